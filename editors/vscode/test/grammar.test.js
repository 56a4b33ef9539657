// Tests for the mj VS Code extension, runnable with node alone: `node --test test/`.
// - the TextMate grammar, through vscode-textmate + vscode-oniguruma (what VS Code uses),
//   on test/sample.mj;
// - package.json and language-configuration.json;
// - extension.js, with the `vscode` module (and, for the behaviour test, the language
//   client) replaced by stubs.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { test, describe, before } = require('node:test');

const ROOT = path.resolve(__dirname, '..');
const readJson = (rel) => JSON.parse(fs.readFileSync(path.join(ROOT, rel), 'utf8'));

// ---- grammar ----------------------------------------------------------------------------

async function loadGrammar() {
  const vsctm = require('vscode-textmate');
  const oniguruma = require('vscode-oniguruma');
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.mj') {
        return null;
      }
      const file = path.join(ROOT, 'syntaxes', 'mj.tmLanguage.json');
      return vsctm.parseRawGrammar(fs.readFileSync(file, 'utf8'), file);
    },
  });
  const grammar = await registry.loadGrammar('source.mj');
  assert.ok(grammar, 'the grammar source.mj loads');
  return { grammar, INITIAL: vsctm.INITIAL };
}

/** Tokenizes `text` line by line: [{ line, tokens: [{ text, scopes }] }]. */
function tokenize(grammar, INITIAL, text) {
  let stack = INITIAL;
  return text.split(/\r?\n/).map((line) => {
    const r = grammar.tokenizeLine(line, stack);
    stack = r.ruleStack;
    return {
      line,
      tokens: r.tokens.map((t) => ({
        text: line.slice(t.startIndex, t.endIndex),
        scopes: t.scopes,
      })),
    };
  });
}

describe('grammar: syntaxes/mj.tmLanguage.json on test/sample.mj', () => {
  let lines;
  let grammar;
  let INITIAL;

  before(async () => {
    ({ grammar, INITIAL } = await loadGrammar());
    lines = tokenize(grammar, INITIAL, fs.readFileSync(path.join(__dirname, 'sample.mj'), 'utf8'));
  });

  /** The scopes of the `nth` token whose text is `text` (trimmed) on the first line that
   *  contains `lineHas` (a substring, or the line itself when it is exact). */
  function scopes(lineHas, text, nth = 0) {
    const l = lines.find((x) => x.line === lineHas) || lines.find((x) => x.line.includes(lineHas));
    assert.ok(l, `sample.mj has a line containing ${JSON.stringify(lineHas)}`);
    const found = l.tokens.filter((t) => t.text.trim() === text);
    assert.ok(
      found.length > nth,
      `token ${JSON.stringify(text)} on line ${JSON.stringify(l.line)}; tokens: ` +
        JSON.stringify(l.tokens.map((t) => t.text))
    );
    return found[nth].scopes;
  }

  function has(lineHas, text, scope, nth = 0) {
    const s = scopes(lineHas, text, nth);
    assert.ok(
      s.includes(scope),
      `${JSON.stringify(text)} in ${JSON.stringify(lineHas)} should have ${scope}; got ${s.join(' ')}`
    );
  }

  function hasNo(lineHas, text, prefix, nth = 0) {
    const s = scopes(lineHas, text, nth);
    assert.ok(
      !s.some((x) => x.startsWith(prefix)),
      `${JSON.stringify(text)} in ${JSON.stringify(lineHas)} should have no ${prefix}*; got ${s.join(' ')}`
    );
  }

  test('control keywords', () => {
    has('return Self(0.0, 0.0)', 'return', 'keyword.control.flow.mj');
    has('        if i < 0 or i >= size:', 'if', 'keyword.control.flow.mj');
    has('        if i < 0 or i >= size:', 'or', 'keyword.operator.logical.mj');
    has('elif x in xs:', 'elif', 'keyword.control.flow.mj');
    has('elif x in xs:', 'in', 'keyword.operator.logical.mj');
    has('if x is None or not True:', 'is', 'keyword.operator.logical.mj');
    has('if x is None or not True:', 'not', 'keyword.operator.logical.mj');
    for (const [line, kw] of [
      ['            continue', 'continue'],
      ['            break', 'break'],
      ['        else:', 'else'],
      ['    while False:', 'while'],
      ['        yield 1', 'yield'],
      ['    try:', 'try'],
      ['    except e:', 'except'],
      ['    finally:', 'finally'],
      ['with open(', 'with'],
      ['with open(', 'as'],
      ['raise Error(', 'raise'],
      ['            pass', 'pass'],
    ]) {
      has(line, kw, 'keyword.control.flow.mj');
    }
    has('from std.math import sqrt', 'from', 'keyword.control.import.mj');
    has('from std.math import sqrt', 'import', 'keyword.control.import.mj');
  });

  test('declaration keywords and modifiers', () => {
    has('def norm(self) -> Float64:', 'def', 'storage.type.function.mj');
    has('struct Point(Copyable, Movable):', 'struct', 'storage.type.struct.mj');
    has('trait Shape(Movable):', 'trait', 'storage.type.trait.mj');
    has('    var x: Float64', 'var', 'storage.type.variable.mj');
    has('comptime WIDTH = 4', 'comptime', 'storage.type.comptime.mj');
    has('alias Pair = ', 'alias', 'storage.type.comptime.mj');
    has('def __init__(out self, fill: T):', 'out', 'storage.modifier.mj');
    has('def __del__(deinit self):', 'deinit', 'storage.modifier.mj');
    has('def take(owned self)', 'owned', 'storage.modifier.mj');
    has('def get(ref self, i: Int)', 'ref', 'storage.modifier.mj');
    has('def get(ref self, i: Int)', 'raises', 'storage.modifier.mj');
    has('def get(ref self, i: Int)', 'ref', 'storage.modifier.mj', 1);
    has('def bump(mut self', 'mut', 'storage.modifier.mj');
    has('def bump(mut self', 'read', 'storage.modifier.mj');
    has('def bump(mut self', 'var', 'storage.modifier.mj');
    has('def bump(mut self', 'capturing', 'storage.modifier.mj');
    has('fn (Int) escaping', 'escaping', 'storage.modifier.mj');
    has('unified {mut m}', 'unified', 'storage.modifier.mj');
    // Soft keywords stay names where they are names.
    hasNo('_ = fh.read()', 'read', 'storage.modifier');
    hasNo('var out = List[T]()', 'out', 'storage.modifier');
  });

  test('comptime if / comptime for / comptime assert / @parameter', () => {
    has('comptime if n > 2:', 'comptime', 'keyword.control.comptime.mj');
    has('comptime if n > 2:', 'if', 'keyword.control.flow.mj');
    has('comptime for k in range(n):', 'comptime', 'keyword.control.comptime.mj');
    has('comptime for k in range(n):', 'for', 'keyword.control.flow.mj');
    has('comptime assert WIDTH', 'assert', 'keyword.control.flow.mj');
    has('    @parameter', 'parameter', 'keyword.control.comptime.mj');
    has('    @parameter', '@', 'meta.decorator.mj');
  });

  test('function, struct and trait names', () => {
    has('def norm(self) -> Float64:', 'norm', 'entity.name.function.mj');
    has('def __add__(self, other: Self) -> Self:', '__add__', 'entity.name.function.mj');
    has('def control[n: Int]', 'control', 'entity.name.function.mj');
    has('struct Point(Copyable, Movable):', 'Point', 'entity.name.type.struct.mj');
    has('struct Buffer[T: Copyable', 'Buffer', 'entity.name.type.struct.mj');
    has('trait Shape(Movable):', 'Shape', 'entity.name.type.trait.mj');
    has('struct Point(Copyable, Movable):', 'Copyable', 'entity.other.inherited-class.mj');
    has('comptime Vec4 = ', 'Vec4', 'entity.name.type.alias.mj');
    has('comptime WIDTH = 4', 'WIDTH', 'variable.other.constant.mj');
    has('sqrt(self.x', 'sqrt', 'entity.name.function.call.mj');
  });

  test('parameters', () => {
    has('def __add__(self, other: Self) -> Self:', 'other', 'variable.parameter.function.mj');
    has(
      'def __add__(self, other: Self) -> Self:',
      'self',
      'variable.parameter.function.language.special.self.mj'
    );
    has('return sqrt(self.x', 'self', 'variable.language.special.self.mj');
    // Compile-time parameter brackets.
    has('struct Buffer[T: Copyable', '[', 'meta.parameters.mj');
    has('struct Buffer[T: Copyable', 'T', 'variable.parameter.mj');
    has('struct Buffer[T: Copyable', 'size', 'variable.parameter.mj');
    has('struct Buffer[T: Copyable', '//', 'keyword.operator.infer-only.mj');
    has('def control[n: Int]', 'n', 'variable.parameter.mj');
    has('var data: InlineArray[T, size]', 'T', 'meta.parameterized-type.mj');
  });

  test('built-in types, functions and constants', () => {
    for (const [line, name] of [
      ['var x: Float64', 'Float64'],
      ['def get(ref self, i: Int)', 'Int'],
      ['var i: UInt = 2e10', 'UInt'],
      ['var u: UInt32 = 7', 'UInt32'],
      ['read delta: Int8', 'Int8'],
      ['var extra: UInt64', 'UInt64'],
      ['UnsafePointer[UInt8,', 'UInt8'],
      ['UnsafePointer[UInt8,', 'UnsafePointer'],
      ['var flag: Bool = True', 'Bool'],
      ['Dict[String, Int]()', 'Dict'],
      ['Dict[String, Int]()', 'String'],
      ['var sl: StringSlice', 'StringSlice'],
      ['comptime Vec4 = SIMD', 'SIMD'],
      ['comptime Vec4 = SIMD', 'DType'],
      ['Set[Int]()', 'Set'],
      ['Optional[Int](None)', 'Optional'],
      ['List[Float16]()', 'List'],
      ['List[Float16]()', 'Float16'],
      ['InlineArray[T, size](fill=fill)', 'InlineArray'],
      ['Span[Int64](nums)', 'Span'],
      ['Span[Int64](nums)', 'Int64'],
      ['Scalar[DType.int16]', 'Scalar'],
      ['Tuple[Int, String]', 'Tuple'],
      ['raise Error(', 'Error'],
    ]) {
      has(line, name, 'support.type.builtin.mj');
    }
    has('def origin() -> Self:', 'Self', 'support.type.self.mj');
    has('var p = Point(1.0, 2.0)', 'Point', 'entity.name.type.mj');
    has('MutAnyOrigin]', 'MutAnyOrigin', 'entity.name.type.mj');
    for (const fn of ['min', 'max', 'abs']) {
      has('var y = min(max(abs(-1), 2), 3)', fn, 'support.function.builtin.mj');
    }
    has('print(len(counts)', 'print', 'support.function.builtin.mj');
    has('print(len(counts)', 'len', 'support.function.builtin.mj');
    has('comptime for k in range(n):', 'range', 'support.function.builtin.mj');
    has('if x is None or not True:', 'None', 'constant.language.mj');
    has('if x is None or not True:', 'True', 'constant.language.mj');
    has('while False:', 'False', 'constant.language.mj');
    has('def area(self) -> Float64: ...', '...', 'constant.other.ellipsis.mj');
  });

  test('operators', () => {
    has('return out^', '^', 'keyword.operator.transfer.mj');
    has('var moved = p^', '^', 'keyword.operator.transfer.mj');
    has('consume(moved^)', '^', 'keyword.operator.transfer.mj');
    has('return a ^ b & c', '^', 'keyword.operator.bitwise.mj');
    has('return a ^ b & c', '<<', 'keyword.operator.bitwise.mj');
    has('def norm(self) -> Float64:', '->', 'keyword.operator.arrow.mj');
    has('if i < 0 or i >= size:', '>=', 'keyword.operator.comparison.mj');
    has('var a = 1_000_000', '=', 'keyword.operator.assignment.mj');
    has('self.x + other.x', '+', 'keyword.operator.arithmetic.mj');
  });

  test('numbers', () => {
    has('var a = 1_000_000', '1_000_000', 'constant.numeric.integer.decimal.mj');
    has('var b = 0xFF_FF', '0xFF_FF', 'constant.numeric.hex.mj');
    has('var c = 0o755', '0o755', 'constant.numeric.octal.mj');
    has('var d = 0b1010_0101', '0b1010_0101', 'constant.numeric.binary.mj');
    has('var e = 3.14', '3.14', 'constant.numeric.float.mj');
    has('var f = 1.5e-3', '1.5e-3', 'constant.numeric.float.mj');
    has('var g = 6.02E23', '6.02E23', 'constant.numeric.float.mj');
    has('var h = .5', '.5', 'constant.numeric.float.mj');
    has('var i: UInt = 2e10', '2e10', 'constant.numeric.float.mj');
    has('var bad = 12ab', '12ab', 'invalid.illegal.number.mj');
    // Digits inside names are not numbers.
    hasNo('var u: UInt32 = 7', 'UInt32', 'constant.numeric');
  });

  test('comments', () => {
    const text = ' A comment: def struct "not a string" 42';
    has('# A comment', '#', 'punctuation.definition.comment.mj');
    has('# A comment', text.trim(), 'comment.line.number-sign.mj');
    hasNo('# A comment', text.trim(), 'keyword');
    hasNo('# A comment', text.trim(), 'string');
  });

  test('strings: plain, escapes, raw, bytes, triple-quoted', () => {
    has('raise Error("index out of range")', 'index out of range', 'string.quoted.single.mj');
    has('raise Error("index out of range")', '"', 'punctuation.definition.string.begin.mj');
    has('var s1 = "double', '\\"', 'constant.character.escape.mj');
    has('var s1 = "double', '\\n', 'constant.character.escape.mj');
    has("var s2 = 'single'", 'single', 'string.quoted.single.mj');
    has('var s3 = r"raw', 'r', 'storage.type.string.mj');
    has('var s3 = r"raw', '\\d', 'string.quoted.raw.single.mj');
    hasNo('var s3 = r"raw', '\\d', 'constant.character.escape');
    has('var s4 = b"bytes', 'b', 'storage.type.string.mj');
    has('var s4 = b"bytes', 'bytes', 'string.quoted.binary.single.mj');
    has('var s4 = b"bytes', '\\x00', 'constant.character.escape.mj');
    has('var rb1 = rb"', 'rb', 'storage.type.string.mj');
    has("var rb2 = Br'", 'Br', 'string.quoted.raw.single.mj');
    // A triple-quoted string (not a docstring) across two lines, and the code after it.
    has('var s7 = """triple', 'triple', 'string.quoted.multi.mj');
    has('quoted"""', 'quoted', 'string.quoted.multi.mj');
    has('quoted"""', '"""', 'punctuation.definition.string.end.mj');
    has('var s8 = rf"raw', 'rf', 'storage.type.string.mj');
    hasNo('var s8 = rf"raw', '\\n', 'constant.character.escape');
  });

  test('f-strings and their {expr} interpolations', () => {
    const line = 'var s5 = f"value={s1!r:>10}';
    has(line, 'f', 'storage.type.string.mj');
    has(line, 'value=', 'string.interpolated.single.mj');
    has(line, '{', 'punctuation.section.interpolation.begin.mj');
    has(line, 's1', 'meta.interpolation.mj');
    hasNo(line, 's1', 'punctuation');
    has(line, '!', 'storage.type.format.conversion.mj');
    has(line, '>10', 'storage.type.format.spec.mj');
    has(line, '}', 'punctuation.section.interpolation.end.mj');
    has(line, 'len', 'support.function.builtin.mj');
    has(line, 'len', 'meta.interpolation.mj');
    has(line, '{{', 'constant.character.escape.brace.mj');
    hasNo(line, 'literal', 'meta.interpolation');
    has("var s6 = f'{s2}'", 's2', 'meta.interpolation.mj');
    has('var s9 = t"template', 's1', 'meta.interpolation.mj');
    has('var s8 = rf"raw', 's3', 'meta.interpolation.mj');
    // Triple-quoted f-string over two lines.
    has('var m = f"""multi', 'len', 'meta.interpolation.mj');
    has('var m = f"""multi', 'ab', 'string.quoted.single.mj');
    has('line {m!s}"""', 'm', 'meta.interpolation.mj');
    has('line {m!s}"""', 'line', 'string.interpolated.multi.mj');
    has('print(len(counts), f"{u:08d}")', '08d', 'storage.type.format.spec.mj');
  });

  test('decorators', () => {
    has('@fieldwise_init', '@', 'punctuation.definition.decorator.mj');
    has('@fieldwise_init', 'fieldwise_init', 'entity.name.function.decorator.mj');
    has('@fieldwise_init', 'fieldwise_init', 'meta.decorator.mj');
    has('    @staticmethod', 'staticmethod', 'entity.name.function.decorator.mj');
  });

  test('docstrings spanning lines', () => {
    // The module docstring: four lines, then ordinary code.
    has('"""A sample mj file', '"""', 'punctuation.definition.string.begin.mj');
    has('"""A sample mj file', 'A sample mj file for the grammar test.', 'string.quoted.docstring.multi.mj');
    has(
      'It spans several lines and touches most of the syntax.',
      'It spans several lines and touches most of the syntax.',
      'string.quoted.docstring.multi.mj'
    );
    assert.equal(lines[3].line, '"""');
    assert.ok(lines[3].tokens[0].scopes.includes('punctuation.definition.string.end.mj'));
    has('from std.math import sqrt', 'from', 'keyword.control.import.mj');
    hasNo('from std.math import sqrt', 'from', 'string');
    // A one-line docstring in a struct.
    has('"""A point in the plane."""', 'A point in the plane.', 'string.quoted.docstring.multi.mj');
  });

  test('no stray invalid tokens, and every line ends outside strings', () => {
    const bad = [];
    for (const l of lines) {
      for (const t of l.tokens) {
        if (t.scopes.some((s) => s.startsWith('invalid')) && t.text !== '12ab') {
          bad.push(`${JSON.stringify(t.text)} in ${JSON.stringify(l.line)}`);
        }
      }
    }
    assert.deepEqual(bad, []);
    const last = lines.filter((l) => l.line.trim() !== '').pop();
    for (const t of last.tokens) {
      assert.ok(!t.scopes.some((s) => s.startsWith('string') || s.startsWith('meta.function')), t.text);
    }
  });

  test('an unclosed one-line string stops at the end of its line', () => {
    const out = tokenize(grammar, INITIAL, 'var s = "open\nvar t = 1');
    const v = out[1].tokens.find((t) => t.text === 'var');
    assert.ok(v.scopes.includes('storage.type.variable.mj'), v.scopes.join(' '));
    assert.ok(!v.scopes.some((s) => s.startsWith('string')));
  });
});

// ---- package.json and language-configuration.json ---------------------------------------

describe('package.json', () => {
  const pkg = readJson('package.json');

  test('identity, engine, entry point and dependencies', () => {
    assert.equal(pkg.name, 'mj-language');
    assert.equal(pkg.publisher, 'mj');
    assert.match(pkg.engines.vscode, /^\^1\.\d+\.\d+$/);
    assert.equal(pkg.main, './extension.js');
    assert.ok(fs.existsSync(path.join(ROOT, pkg.main)));
    assert.ok(pkg.activationEvents.includes('onLanguage:mj'));
    assert.match(pkg.dependencies['vscode-languageclient'], /^\^9\./);
    assert.ok(pkg.devDependencies['vscode-textmate']);
    assert.ok(pkg.devDependencies['vscode-oniguruma']);
  });

  test('engines.vscode is one the installed language client accepts', () => {
    // vscode-languageclient throws at construction on an older VS Code than it requires.
    const semver = require('semver');
    const clientPkg = require('vscode-languageclient/package.json');
    const lowest = semver.minVersion(pkg.engines.vscode);
    assert.ok(
      semver.satisfies(lowest, clientPkg.engines.vscode),
      `engines.vscode ${pkg.engines.vscode} admits ${lowest}, but vscode-languageclient ` +
        `${clientPkg.version} requires ${clientPkg.engines.vscode}`
    );
  });

  test('contributes the mj language, grammar and settings', () => {
    const c = pkg.contributes;
    const lang = c.languages.find((l) => l.id === 'mj');
    assert.ok(lang);
    assert.deepEqual(lang.extensions, ['.mj']);
    assert.ok(lang.aliases.includes('mj'));
    assert.equal(lang.configuration, './language-configuration.json');
    assert.ok(fs.existsSync(path.join(ROOT, lang.configuration)));
    const g = c.grammars.find((x) => x.language === 'mj');
    assert.equal(g.scopeName, 'source.mj');
    assert.equal(g.path, './syntaxes/mj.tmLanguage.json');
    assert.equal(readJson(g.path).scopeName, 'source.mj');
    const props = c.configuration.properties;
    assert.equal(props['mj.path'].type, 'string');
    assert.equal(props['mj.path'].default, 'mj');
    assert.deepEqual(props['mj.trace.server'].enum, ['off', 'messages', 'verbose']);
    assert.equal(props['mj.trace.server'].default, 'off');
    for (const cmd of c.commands || []) {
      assert.ok(fs.readFileSync(path.join(ROOT, 'extension.js'), 'utf8').includes(cmd.command));
    }
  });
});

describe('language-configuration.json', () => {
  const conf = readJson('language-configuration.json');

  test('comments, brackets, pairs, folding', () => {
    assert.equal(conf.comments.lineComment, '#');
    assert.deepEqual(conf.brackets, [['(', ')'], ['[', ']'], ['{', '}']]);
    const opens = conf.autoClosingPairs.map((p) => p.open);
    for (const o of ['(', '[', '{', '"', "'"]) {
      assert.ok(opens.includes(o), `autoClosingPairs has ${o}`);
    }
    const sur = conf.surroundingPairs.map((p) => p[0]);
    for (const o of ['(', '[', '{', '"', "'"]) {
      assert.ok(sur.includes(o), `surroundingPairs has ${o}`);
    }
    assert.equal(conf.folding.offSide, true);
  });

  test('indentation after a line ending with a colon', () => {
    const inc = new RegExp(conf.indentationRules.increaseIndentPattern);
    const dec = new RegExp(conf.indentationRules.decreaseIndentPattern);
    const enter = new RegExp(conf.onEnterRules.find((r) => r.action.indent === 'indent').beforeText);
    for (const line of ['def f(x: Int) -> Int:', '    if x > 1:  # note', 'struct S[T: AnyType]:', 'else:']) {
      assert.ok(inc.test(line), `increase after ${line}`);
      assert.ok(enter.test(line), `indent on Enter after ${line}`);
    }
    for (const line of ['var x: Int = 1', '# a comment:', 'print(x)']) {
      assert.ok(!inc.test(line), `no increase after ${line}`);
      assert.ok(!enter.test(line), `no indent on Enter after ${line}`);
    }
    assert.ok(dec.test('    else:'));
    assert.ok(dec.test('elif x:'));
    assert.ok(!dec.test('    x = 1'));
    const outdent = new RegExp(conf.onEnterRules.find((r) => r.action.indent === 'outdent').beforeText);
    assert.ok(outdent.test('        return x'));
    assert.ok(!outdent.test('        return f('));
  });

  test('word pattern matches whole identifiers', () => {
    const re = new RegExp(conf.wordPattern, 'g');
    assert.deepEqual('var my_name2 = other.x'.match(re), ['var', 'my_name2', 'other', 'x']);
  });
});

// ---- extension.js -----------------------------------------------------------------------

/** A `vscode` module stand-in: any property is a constructible, indexable stub, so that
 *  modules which subclass vscode classes at load time (vscode-languageclient) load. */
function deepStub(overrides = {}) {
  const make = () => {
    const cache = new Map();
    return new Proxy(function stub() {}, {
      get(target, key) {
        if (key === 'prototype') return target.prototype;
        if (typeof key === 'symbol') return undefined;
        if (!cache.has(key)) cache.set(key, make());
        return cache.get(key);
      },
    });
  };
  const base = make();
  return new Proxy(overrides, {
    get(target, key) {
      return key in target ? target[key] : base[key];
    },
  });
}

function withStubs(stubs, fn) {
  const original = Module._load;
  const extPath = require.resolve(path.join(ROOT, 'extension.js'));
  Module._load = function (request, ...rest) {
    if (Object.prototype.hasOwnProperty.call(stubs, request)) {
      return stubs[request];
    }
    return original.call(this, request, ...rest);
  };
  delete require.cache[extPath];
  const done = () => {
    Module._load = original;
    delete require.cache[extPath];
  };
  try {
    const result = fn(() => require(extPath));
    if (result && typeof result.then === 'function') {
      return result.finally(done);
    }
    done();
    return result;
  } catch (e) {
    done();
    throw e;
  }
}

describe('extension.js', () => {
  test('requires (with the real vscode-languageclient) when vscode is stubbed', () => {
    withStubs({ vscode: deepStub({ version: '1.90.0' }) }, (load) => {
      const ext = load();
      assert.equal(typeof ext.activate, 'function');
      assert.equal(typeof ext.deactivate, 'function');
    });
  });

  test('starts `<mj.path> lsp` over stdio for mj documents, restarts on mj.path, stops', async () => {
    const settings = { path: 'mj' };
    const configListeners = [];
    const commands = new Map();
    const errors = [];
    const clients = [];
    class FakeClient {
      constructor(id, name, serverOptions, clientOptions) {
        Object.assign(this, { id, name, serverOptions, clientOptions, started: 0, stopped: 0 });
        clients.push(this);
      }
      async start() {
        this.started += 1;
      }
      async stop() {
        this.stopped += 1;
      }
    }
    const vscode = {
      version: '1.90.0',
      workspace: {
        workspaceFolders: [{ uri: { fsPath: '/ws' } }],
        getConfiguration: (section) => {
          assert.equal(section, 'mj');
          return { get: (key) => settings[key] };
        },
        onDidChangeConfiguration: (fn) => {
          configListeners.push(fn);
          return { dispose() {} };
        },
      },
      window: {
        createOutputChannel: (name) => ({ name, appendLine() {}, dispose() {} }),
        showErrorMessage: (m) => errors.push(m),
      },
      commands: {
        registerCommand: (id, fn) => {
          commands.set(id, fn);
          return { dispose() {} };
        },
      },
    };
    const client = { LanguageClient: FakeClient, TransportKind: { stdio: 0, ipc: 1, pipe: 2, socket: 3 } };

    await withStubs({ vscode, 'vscode-languageclient/node': client }, async (load) => {
      const ext = load();
      const context = { subscriptions: [] };
      ext.activate(context);
      // Let the queued start run.
      await ext.deactivate(); // stops the first client...
      assert.equal(clients.length, 1);
      const first = clients[0];
      assert.equal(first.id, 'mj'); // so the client reads the `mj.trace.server` setting
      assert.equal(first.started, 1);
      assert.equal(first.stopped, 1);
      assert.deepEqual(first.serverOptions.run, { command: 'mj', args: ['lsp'], transport: 0 });
      assert.deepEqual(first.serverOptions.debug, first.serverOptions.run);
      assert.ok(first.clientOptions.documentSelector.every((s) => s.language === 'mj'));
      assert.ok(first.clientOptions.documentSelector.some((s) => s.scheme === 'file'));
      assert.ok(commands.has('mj.restartServer'));
      assert.equal(configListeners.length, 1);

      // ...a fresh activation, then a change of mj.path restarts with the new executable.
      ext.activate({ subscriptions: [] });
      settings.path = '${workspaceFolder}/target/debug/mj';
      const unrelated = { affectsConfiguration: (s) => s === 'editor.fontSize' };
      const relevant = { affectsConfiguration: (s) => s === 'mj.path' || s === 'mj' };
      configListeners[1](unrelated);
      await configListeners[1](relevant);
      assert.equal(clients.length, 3);
      assert.equal(clients[1].stopped, 1);
      assert.equal(clients[2].started, 1);
      assert.deepEqual(clients[2].serverOptions.run.args, ['lsp']);
      assert.equal(clients[2].serverOptions.run.command, '/ws/target/debug/mj');
      await ext.deactivate();
      assert.equal(clients[2].stopped, 1);
      assert.deepEqual(errors, []);
    });
  });

  test('a server that fails to start is reported, and deactivate still resolves', async () => {
    const errors = [];
    class FailingClient {
      async start() {
        throw new Error('spawn mj ENOENT');
      }
      async stop() {
        throw new Error('not running');
      }
    }
    const vscode = {
      version: '1.90.0',
      workspace: {
        getConfiguration: () => ({ get: () => undefined }),
        onDidChangeConfiguration: () => ({ dispose() {} }),
      },
      window: {
        createOutputChannel: () => ({ dispose() {} }),
        showErrorMessage: (m) => errors.push(m),
      },
      commands: { registerCommand: () => ({ dispose() {} }) },
    };
    await withStubs(
      { vscode, 'vscode-languageclient/node': { LanguageClient: FailingClient, TransportKind: { stdio: 0 } } },
      async (load) => {
        const ext = load();
        ext.activate({ subscriptions: [] });
        await ext.deactivate();
        assert.equal(errors.length, 1);
        assert.match(errors[0], /mj lsp/);
        assert.match(errors[0], /ENOENT/);
        assert.match(errors[0], /mj\.path/);
      }
    );
  });
});
