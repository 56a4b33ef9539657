//! Built-in functions called by bare name (`print`, `len`, conversions, `min`/`max`,
//! `abs`, `sort`, `range`, `enumerate`, ...), with the TIR loops some of them expand to.

use mj_syntax::ast::{self, Arg};
use mj_syntax::{Diag, Span};

use super::iter::iteration_plan;
use super::s;
use crate::check::body::FnCx;
use crate::check::items::scalar_type;
use crate::check::{E_ARITY, E_KWARG, E_MISMATCH, E_OPERATOR, E_UNKNOWN_TYPE, E_UNSUPPORTED};
use crate::rt::Rt;
use crate::tir::{Callee, TArg, TBin, TCmp, TExpr, TExprKind as K, TStmt, TUn};
use crate::ty::Ty;

impl FnCx<'_> {
    fn print(&mut self, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        let mut sep = s(" ", line);
        let mut end = s("\n", line);
        let mut stmts = Vec::new();
        let mut values = Vec::new();
        for a in args {
            match a.name.as_ref().map(|n| n.name.as_str()) {
                None => values.push(&a.value),
                Some("sep") => sep = self.typed_arg(a, &Ty::Str),
                Some("end") => end = self.typed_arg(a, &Ty::Str),
                Some("flush") => {
                    self.typed_arg(a, &Ty::Bool);
                }
                Some(other) => {
                    let msg = format!("`print` has no argument named `{other}`");
                    self.error(
                        Diag::error(E_KWARG, msg, a.span)
                            .with_hint("`print` accepts `sep`, `end` and `flush`"),
                    );
                }
            }
        }
        let (s1, sep) = self.temp(sep);
        stmts.push(s1);
        // Python evaluates every argument before writing anything: an argument that raises
        // (or has side effects) must not leave the earlier ones half printed. Arguments that
        // are not plain locals or literals are converted into temporaries first.
        let several = values.len() > 1;
        let mut texts = Vec::new();
        for v in values {
            let te = self.expr(v, None);
            let simple = matches!(
                te.kind,
                K::Local(_) | K::Int(_) | K::Float(_) | K::Bool(_) | K::Str(_) | K::Unit
            );
            let st = self.stringify(te, v.span);
            if several && !simple {
                let t = self.spill_to(st, &mut stmts);
                texts.push(t);
            } else {
                texts.push(st);
            }
        }
        for (i, st) in texts.into_iter().enumerate() {
            if i > 0 {
                stmts.push(TStmt::Expr(self.rt_call(
                    Rt::Write,
                    vec![sep.clone()],
                    Ty::Unit,
                    line,
                )));
            }
            stmts.push(TStmt::Expr(self.rt_call(
                Rt::Write,
                vec![st],
                Ty::Unit,
                line,
            )));
        }
        stmts.push(TStmt::Expr(self.rt_call(
            Rt::Write,
            vec![end],
            Ty::Unit,
            line,
        )));
        TExpr::new(
            K::Seq(stmts, Box::new(TExpr::new(K::Unit, Ty::Unit, line))),
            Ty::Unit,
            line,
        )
    }

    /// `min(a, b, ...)` / `max(...)` over numbers or strings.
    fn min_max(&mut self, is_max: bool, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        let name = if is_max { "max" } else { "min" };
        if !self.arity(name, args, 1, 16, span) {
            return self.unknown(line);
        }
        let mut vals: Vec<TExpr> = args.iter().map(|a| self.expr(&a.value, None)).collect();
        if vals.len() == 1 {
            if let Some(t) = crate::lang_items::list_elem(self.cx, &vals[0].ty) {
                return self.min_max_list(is_max, vals.remove(0), &t, span);
            }
            self.error(Diag::error(
                E_ARITY,
                format!("`{name}` of one value needs a List"),
                span,
            ));
            return self.unknown(line);
        }
        if vals.iter().any(|v| matches!(v.ty, Ty::Vector(..))) {
            return self.simd_min_max(is_max, vals, span);
        }
        if vals.iter().any(|v| v.ty.is_float()) {
            let t = vals
                .iter()
                .find(|v| v.ty.is_float())
                .map(|v| v.ty.clone())
                .unwrap_or(Ty::F64);
            vals = vals
                .into_iter()
                .map(|v| {
                    if v.ty.is_int() {
                        self.cast(v, t.clone())
                    } else {
                        v
                    }
                })
                .collect();
        }
        let mut stmts = Vec::new();
        let first = vals.remove(0);
        let (st, mut acc) = self.temp(first);
        stmts.push(st);
        for v in vals {
            let (st, b) = self.temp(v);
            stmts.push(st);
            let op = if is_max {
                ast::CmpOp::Gt
            } else {
                ast::CmpOp::Lt
            };
            let better = self.compare(op, b.clone(), acc.clone(), span);
            let ty = acc.ty.clone();
            let pick = TExpr::new(
                K::IfExp(Box::new(better), Box::new(b), Box::new(acc.clone())),
                ty,
                line,
            );
            let (st, a2) = self.temp(pick);
            stmts.push(st);
            acc = a2;
        }
        let ty = acc.ty.clone();
        TExpr::new(K::Seq(stmts, Box::new(acc)), ty, line)
    }

    fn min_max_list(&mut self, is_max: bool, list: TExpr, t: &Ty, span: Span) -> TExpr {
        let line = list.line;
        let mut stmts = Vec::new();
        let l = self.spill_to(list, &mut stmts);
        let Some(len) = self.dunder_call(l.clone(), "__len__", Vec::new(), span) else {
            return self.unknown(line);
        };
        let zero = self.int(0, line);
        let Some(first) = self.dunder_call(l.clone(), "__getitem__", vec![zero], span) else {
            return self.unknown(line);
        };
        let first = self.copy_value(self.ref_result(first), span);
        let (s1, acc) = self.temp(first);
        stmts.push(s1);
        let start = self.int(1, line);
        let lp = self.index_loop(start, len, |fx, i| {
            let Some(elem) = fx.dunder_call(l, "__getitem__", vec![i], span) else {
                return Vec::new();
            };
            let elem = fx.ref_result(elem);
            let op = if is_max {
                ast::CmpOp::Gt
            } else {
                ast::CmpOp::Lt
            };
            let better = fx.compare(op, elem.clone(), acc.clone(), span);
            let elem = fx.copy_value(elem, span);
            vec![TStmt::If(
                better,
                vec![TStmt::Assign(acc.clone(), elem)],
                Vec::new(),
            )]
        });
        stmts.extend(lp);
        TExpr::new(K::Seq(stmts, Box::new(acc)), t.clone(), line)
    }

    fn convert_to(&mut self, target: Ty, tname: &str, args: &[Arg], span: Span) -> TExpr {
        let line = self.line(span);
        if args.is_empty() {
            return match target {
                Ty::Bool => TExpr::new(K::Bool(false), Ty::Bool, line),
                Ty::Float { .. } => TExpr::new(K::Float(0.0), target, line),
                _ => TExpr::new(K::Int(0), target, line),
            };
        }
        // `Int(s, base=16)`, `atol(s, 16)`: a string in another base.
        let (args, base) = match args {
            [a, b] if target.is_int() && b.name.as_ref().is_none_or(|n| n.name == "base") => {
                (std::slice::from_ref(a), Some(b))
            }
            _ => (args, None),
        };
        if !self.arity(tname, args, 1, 1, span) {
            return self.unknown(line);
        }
        let v = self.expr(&args[0].value, Some(&target));
        if base.is_some() && v.ty != Ty::Str && !v.ty.is_unknown() {
            let msg = format!(
                "`{tname}(x, base)` takes a `String`, found `{}`",
                self.ty_name(&v.ty)
            );
            self.error(Diag::error(E_MISMATCH, msg, args[0].value.span));
            return self.unknown(line);
        }
        match v.ty.clone() {
            Ty::Unknown => self.unknown(line),
            Ty::Str if target.is_int() => {
                self.check_may_raise(&format!("`{tname}(String)`"), span);
                let base = match base {
                    Some(b) => self.typed_arg(b, &Ty::INT),
                    None => TExpr::new(K::Int(10), Ty::INT, line),
                };
                let r = self.rt_call(Rt::StrToInt, vec![v, base], Ty::INT, line);
                self.cast(r, target)
            }
            Ty::Str if target.is_float() => {
                self.check_may_raise(&format!("`{tname}(String)`"), span);
                let r = self.rt_call(Rt::StrToF64, vec![v], Ty::F64, line);
                self.cast(r, target)
            }
            // `Int(x)` / `Float64(x)` of a struct: its `__int__` / `__index__` /
            // `__float__` (`Intable`, `Indexer`, `Floatable`).
            Ty::Struct(..) if target != Ty::Bool => {
                let conv = if target.is_float() {
                    ["__float__", "__float__"]
                } else {
                    ["__int__", "__index__"]
                };
                match conv.iter().find(|c| self.has_method(&v.ty, c)) {
                    Some(c) => {
                        let r = self
                            .dunder_call(v, c, Vec::new(), span)
                            .unwrap_or_else(|| self.unknown(line));
                        self.cast(r, target)
                    }
                    None => {
                        let msg =
                            format!("cannot convert a `{}` to `{tname}`", self.ty_name(&v.ty));
                        self.error(
                            Diag::error(E_MISMATCH, msg, args[0].value.span)
                                .with_hint(format!("define `{}` in the struct", conv[0])),
                        );
                        self.unknown(line)
                    }
                }
            }
            _ if target == Ty::Bool => {
                let b = self.truthy(v, args[0].value.span);
                self.new_value(b)
            }
            t if t.is_numeric() || t == Ty::Bool => TExpr::new(K::Cast(Box::new(v)), target, line),
            // `Int(ptr)`: the address (Mojo's `UnsafePointer` is `Intable`).
            Ty::Ptr(..) | Ty::RawPtr(..) if target == Ty::INT || target == Ty::UINT => {
                TExpr::new(K::Cast(Box::new(v)), target, line)
            }
            t => {
                let msg = format!("cannot convert a `{}` to `{tname}`", self.ty_name(&t));
                self.error(Diag::error(E_MISMATCH, msg, args[0].value.span));
                self.unknown(line)
            }
        }
    }
}

/// Built-in functions called by bare name; `None` if `name` is not a built-in.
pub(crate) fn call_builtin(
    fx: &mut FnCx<'_>,
    name: &str,
    args: &[Arg],
    span: Span,
    expected: Option<&Ty>,
) -> Option<TExpr> {
    let line = fx.line(span);
    if let Some(t) = scalar_type(name) {
        return Some(fx.convert_to(t, name, args, span));
    }
    if matches!(name, "masked_load" | "masked_store") {
        // Without `[width]`: reported there.
        return Some(fx.masked_access(name == "masked_load", &[], args, span));
    }
    if let Some(v) = fx.memory_call(name, args, span) {
        return Some(v);
    }
    Some(match name {
        "print" => fx.print(args, span),
        "conforms_to" => fx.conforms_to_value(args, span),
        "external_call" => super::ffi::external_call_without_params(fx, args, span),
        "len" => {
            if !fx.arity("len", args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, None);
            match v.ty.clone() {
                Ty::Str => TExpr::new(K::Len(Box::new(v)), Ty::INT, line),
                Ty::Vector(_, n) | Ty::Array(_, n) => fx.int(n.into(), line),
                Ty::Tuple(ts) => fx.int(ts.len() as i128, line),
                Ty::Span(_) => TExpr::new(K::Field(Box::new(v), 1), Ty::INT, line),
                Ty::Struct(..) => fx
                    .dunder_call(v, "__len__", Vec::new(), span)
                    .unwrap_or_else(|| fx.unknown(line)),
                Ty::Unknown => fx.unknown(line),
                t => {
                    let msg = format!("`{}` has no length", fx.ty_name(&t));
                    fx.error(Diag::error(E_OPERATOR, msg, args[0].value.span));
                    fx.unknown(line)
                }
            }
        }
        // `atol(s)` / `atof(s)`: `Int(s)` / `Float64(s)` (raise on bad text).
        "atol" => fx.convert_to(Ty::INT, "Int", args, span),
        "atof" => fx.convert_to(Ty::F64, "Float64", args, span),
        "String" | "str" | "StringSlice" | "StaticString" | "ImmStringSlice" | "MutStringSlice"
        | "StringSpan" | "ImmStringSpan" | "MutStringSpan" => {
            if args.is_empty() {
                return Some(s("", line));
            }
            fn named(a: &Arg) -> Option<&str> {
                a.name.as_ref().map(|n| n.name.as_str())
            }
            if let Some(v) = fx.string_from_memory(args, span) {
                return Some(v);
            }
            if args.len() > 1 || named(&args[0]).is_some() {
                if args
                    .iter()
                    .all(|a| matches!(named(a), None | Some("sep") | Some("end")))
                {
                    return Some(fx.string_of_writables(args, line));
                }
                fx.arity(name, args, 1, 1, span);
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, None);
            let s = fx.stringify(v, args[0].value.span);
            // `String(s)` is a new string (a new reference), not the place `s`.
            fx.retained(s)
        }
        "repr" => {
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, None);
            fx.mojo_repr(v, args[0].value.span)
        }
        // Python's `repr` of a value: a string quoted, anything else as `print` shows it
        // (a dict's `KeyError: 'k'`, `format`'s `{!r}`).
        "_element_repr" => {
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, None);
            fx.repr_string(v, args[0].value.span)
        }
        // `Error(a, b, ...)`: the message is the arguments written one after another.
        "Error" => {
            if let Some(a) = args.iter().find(|a| a.name.is_some()) {
                let msg = "`Error` takes positional arguments only";
                fx.error(Diag::error(E_ARITY, msg, a.span));
                return Some(fx.unknown(line));
            }
            // The message is what `String.write(a, b, ...)` makes of the arguments.
            let v = fx.string_write(args, span);
            TExpr { ty: Ty::Error, ..v }
        }
        "divmod" => {
            if !fx.arity(name, args, 2, 2, span) {
                return Some(fx.unknown(line));
            }
            let a = fx.expr(&args[0].value, None);
            let b = fx.expr(&args[1].value, Some(&a.ty));
            let (a, b) = fx.unify_numeric(a, b, span);
            if !a.ty.is_numeric() {
                let msg = format!("`divmod` of a `{}`", fx.ty_name(&a.ty));
                fx.error(Diag::error(E_OPERATOR, msg, args[0].value.span));
                return Some(fx.unknown(line));
            }
            let ty = a.ty.clone();
            let (s0, a) = fx.temp(a);
            let (s1, b) = fx.temp(b);
            let q = TExpr::new(
                K::Binary(TBin::FloorDiv, Box::new(a.clone()), Box::new(b.clone())),
                ty.clone(),
                line,
            );
            let r = TExpr::new(
                K::Binary(TBin::FloorMod, Box::new(a), Box::new(b)),
                ty.clone(),
                line,
            );
            let pair = TExpr::new(
                K::Aggregate(vec![q, r]),
                Ty::Tuple(vec![ty.clone(), ty]),
                line,
            );
            let t = pair.ty.clone();
            TExpr::new(K::Seq(vec![s0, s1], Box::new(pair)), t, line)
        }
        "hex" | "bin" | "oct" => {
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, None);
            if !v.ty.is_int() && !v.ty.is_unknown() {
                let msg = format!("`{name}` needs an integer, found `{}`", fx.ty_name(&v.ty));
                fx.error(Diag::error(E_MISMATCH, msg, args[0].value.span));
                return Some(fx.unknown(line));
            }
            let spec = match name {
                "hex" => "#x",
                "bin" => "#b",
                _ => "#o",
            };
            let v = fx.cast(v, Ty::INT);
            fx.rt_call(Rt::FmtInt, vec![v, s(spec, line)], Ty::Str, line)
        }
        "pow" => {
            if !fx.arity(name, args, 2, 2, span) {
                return Some(fx.unknown(line));
            }
            let a = fx.expr(&args[0].value, expected);
            let b = fx.expr(
                &args[1].value,
                if a.ty.is_float() { Some(&a.ty) } else { None },
            );
            fx.binary_typed(ast::BinOp::Pow, a, b, span)
        }
        "ord" => {
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.typed_arg(&args[0], &Ty::Str);
            fx.rt_call(Rt::Ord, vec![v], Ty::INT, line)
        }
        "chr" => {
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.typed_arg(&args[0], &Ty::INT);
            fx.rt_call(Rt::Chr, vec![v], Ty::Str, line)
        }
        "abs" => {
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, expected);
            abs(fx, v, args[0].value.span)
        }
        "round" => {
            if !fx.arity(name, args, 1, 2, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, expected.filter(|t| t.is_numeric()));
            let nd = args.get(1).map(|a| fx.typed_arg(a, &Ty::INT));
            round_value(fx, v, nd, args[0].value.span)
        }
        "min" => fx.min_max(false, args, span),
        "max" => fx.min_max(true, args, span),
        // `sort(list, less)`: the list's `_sort_by` with a function or a closure.
        "sort" if args.len() == 2 && args.iter().all(|a| a.name.is_none()) => {
            sort_by(fx, &args[0].value, &args[1].value, span)
        }
        "sort" => {
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, None);
            sort_list(fx, v, fx.int(0, line), span)
        }
        "range" => {
            if !fx.arity(name, args, 1, 3, span) {
                return Some(fx.unknown(line));
            }
            // Outside a `for`, a range is materialized as a List[Int].
            let vals: Vec<TExpr> = args.iter().map(|a| fx.typed_arg(a, &Ty::INT)).collect();
            range_list(fx, vals, line)
        }
        // `index(x)`: the `Int` an `Indexer` stands for (`__index__`; integers are their
        // own value).
        "index" => {
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, Some(&Ty::INT));
            fx.as_index(v, args[0].value.span)
        }
        "enumerate" => {
            // `enumerate(x, start=n)` of an iterable struct: Mojo's lazy iterator of
            // `(index, element)` pairs (`std.iter._Enumerate`), which `next()` advances.
            if let Some(first) = args.first()
                && first.name.is_none()
                && args[1..]
                    .iter()
                    .all(|a| a.name.as_ref().is_some_and(|n| n.name == "start"))
                && let Some(id) =
                    crate::lang_items::function_of_module(fx.cx, "std.iter", "_enumerate_iter")
            {
                let v = fx.expr(&first.value, None);
                if matches!(v.ty, Ty::Struct(..)) && fx.has_method(&v.ty, "__iter__") {
                    let it = fx
                        .dunder_call(v, "__iter__", Vec::new(), span)
                        .unwrap_or_else(|| fx.unknown(line));
                    let ident = ast::Ident {
                        name: "enumerate".into(),
                        span,
                    };
                    let prefix = vec![crate::ty::CtArg::Type(it.ty.clone())];
                    let call = fx.call_with_receiver(
                        id,
                        prefix,
                        &first.value,
                        it,
                        &ident,
                        None,
                        &args[1..],
                        span,
                    );
                    return Some(call.map_or_else(|| fx.unknown(line), |(c, _)| c));
                }
                if !fx.arity(name, args, 1, 1, span) {
                    return Some(fx.unknown(line));
                }
                return Some(enumerate(fx, v, first.value.span));
            }
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, None);
            enumerate(fx, v, args[0].value.span)
        }
        // `VariadicList(values)` of a variadic value parameter: the values, which a run-time
        // use holds as a list.
        "VariadicList" => {
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            fx.expr(&args[0].value, None)
        }
        "reversed" => {
            if !fx.arity(name, args, 1, 1, span) {
                return Some(fx.unknown(line));
            }
            let v = fx.expr(&args[0].value, None);
            match v.ty.clone() {
                Ty::Unknown => fx.unknown(line),
                // `Deque`, `LinkedList` and user types: their `__reversed__()`.
                Ty::Struct(..) if fx.has_method(&v.ty, "__reversed__") => fx
                    .dunder_call(v, "__reversed__", Vec::new(), span)
                    .unwrap_or_else(|| fx.unknown(line)),
                // An array: a reversed copy (`std.collections.inline_array`).
                Ty::Array(..) => fx
                    .array_function("_array_reversed", v, None, span)
                    .unwrap_or_else(|| fx.unknown(line)),
                t => {
                    let msg = format!("`reversed` of a `{}` is not supported", fx.ty_name(&t));
                    fx.error(Diag::error(E_UNSUPPORTED, msg, span));
                    fx.unknown(line)
                }
            }
        }
        "abort" => {
            let mut stmts = Vec::new();
            let msg = match args.first().map(|a| &a.value.kind) {
                Some(ast::ExprKind::Str(m)) => m.clone(),
                Some(_) => {
                    // A message computed at run time (`abort(String(...))`): the runtime
                    // prints it and stops; the `Abort` after it is never reached.
                    let m = fx.typed_arg(&args[0], &Ty::Str);
                    let file = TExpr::new(
                        K::Str(fx.cx.modules[fx.m].input.path.clone()),
                        Ty::Str,
                        line,
                    );
                    let l = fx.int(fx.lines.absolute(line) as i128, line);
                    let call = fx.rt_call(Rt::RtAbort, vec![file, l, m], Ty::Unit, line);
                    stmts.push(TStmt::Expr(call));
                    "abort".into()
                }
                None => "abort".into(),
            };
            stmts.push(TStmt::Abort(line, msg));
            TExpr::new(
                K::Seq(stmts, Box::new(TExpr::new(K::Unit, Ty::Unit, line))),
                Ty::Unit,
                line,
            )
        }
        "List" | "Dict" => {
            let msg = format!("`{name}` needs its type parameters here");
            fx.error(
                Diag::error(E_UNKNOWN_TYPE, msg, span)
                    .with_hint(format!("write `{name}[Int]()` or a literal")),
            );
            fx.unknown(line)
        }
        _ => return None,
    })
}

fn abs(fx: &mut FnCx<'_>, v: TExpr, span: Span) -> TExpr {
    let line = v.line;
    match v.ty.clone() {
        t if t.is_float() => TExpr::new(
            K::Call(
                Callee::Intrinsic(crate::tir::Intrinsic::Fabs),
                vec![TArg::Value(v)],
            ),
            t,
            line,
        ),
        t if t.is_int() => {
            let (s0, x) = fx.temp(v);
            let zero = fx.cast(fx.int(0, line), t.clone());
            let neg = TExpr::new(
                K::Cmp(TCmp::Lt, Box::new(x.clone()), Box::new(zero)),
                Ty::Bool,
                line,
            );
            let minus = TExpr::new(K::Unary(TUn::Neg, Box::new(x.clone())), t.clone(), line);
            let pick = TExpr::new(
                K::IfExp(Box::new(neg), Box::new(minus), Box::new(x)),
                t.clone(),
                line,
            );
            TExpr::new(K::Seq(vec![s0], Box::new(pick)), t, line)
        }
        Ty::Vector(..) => fx.simd_abs(v),
        Ty::Struct(..) => fx
            .dunder_call(v, "__abs__", Vec::new(), span)
            .unwrap_or_else(|| fx.unknown(line)),
        Ty::Unknown => fx.unknown(line),
        t => {
            let msg = format!("`abs` of a `{}`", fx.ty_name(&t));
            fx.error(Diag::error(E_OPERATOR, msg, span));
            fx.unknown(line)
        }
    }
}

/// `round(x)` / `round(x, ndigits)` as Python and Mojo round: half to even, for floats at
/// the `ndigits`-th decimal digit, for integers at a power of ten (`round(1350, -2)` is
/// 1400, `round(1250, -2)` 1200; a non-negative `ndigits` keeps the integer).
pub(crate) fn round_value(fx: &mut FnCx<'_>, v: TExpr, nd: Option<TExpr>, span: Span) -> TExpr {
    let line = v.line;
    if v.ty.is_unknown() {
        return v;
    }
    let ty = v.ty.clone();
    let even = |e: TExpr, t: &Ty| {
        TExpr::new(
            K::Call(
                Callee::Intrinsic(crate::tir::Intrinsic::RoundEven),
                vec![TArg::Value(e)],
            ),
            t.clone(),
            line,
        )
    };
    if ty.is_int() {
        let Some(nd) = nd else { return v };
        // q, r = divmod(x, p) with p = 10 ** -ndigits; q += 1 when r is past the half (or
        // at it with q odd); the result is q * p. Beyond 18 digits every Int rounds to 0.
        let int = |k: i128| TExpr::new(K::Int(k), Ty::INT, line);
        let x = fx.cast(v, Ty::INT);
        let mut st = Vec::new();
        let x = fx.spill_to(x, &mut st);
        let nd = fx.spill_to(nd, &mut st);
        let bin = |op, a: TExpr, b: TExpr| {
            TExpr::new(K::Binary(op, Box::new(a), Box::new(b)), Ty::INT, line)
        };
        let cmp = |op, a: TExpr, b: TExpr| {
            TExpr::new(K::Cmp(op, Box::new(a), Box::new(b)), Ty::Bool, line)
        };
        let neg = bin(TBin::Sub, int(0), nd.clone());
        let p = fx.rt_call(Rt::PowInt, vec![int(10), neg.clone()], Ty::INT, line);
        let p = fx.spill_to(p, &mut st);
        // (`p` is positive when the result is used: `ndigits < 0` and at most 18 digits.)
        let p1 = TExpr::new(
            K::IfExp(
                Box::new(cmp(crate::tir::TCmp::Gt, p.clone(), int(0))),
                Box::new(p.clone()),
                Box::new(int(1)),
            ),
            Ty::INT,
            line,
        );
        let p = fx.spill_to(p1, &mut st);
        let q = bin(TBin::FloorDiv, x.clone(), p.clone());
        let q = fx.spill_to(q, &mut st);
        let r = bin(TBin::Sub, x.clone(), bin(TBin::Mul, q.clone(), p.clone()));
        let r2 = fx.spill_to(bin(TBin::Mul, r, int(2)), &mut st);
        let odd = cmp(
            crate::tir::TCmp::Ne,
            bin(TBin::BitAnd, q.clone(), int(1)),
            int(0),
        );
        let up = TExpr::new(
            K::Or(
                Box::new(cmp(crate::tir::TCmp::Gt, r2.clone(), p.clone())),
                Box::new(TExpr::new(
                    K::And(
                        Box::new(cmp(crate::tir::TCmp::Eq, r2, p.clone())),
                        Box::new(odd),
                    ),
                    Ty::Bool,
                    line,
                )),
            ),
            Ty::Bool,
            line,
        );
        let q1 = TExpr::new(
            K::IfExp(
                Box::new(up),
                Box::new(bin(TBin::Add, q.clone(), int(1))),
                Box::new(q),
            ),
            Ty::INT,
            line,
        );
        let rounded = bin(TBin::Mul, q1, p);
        let big = cmp(crate::tir::TCmp::Lt, nd.clone(), int(-18));
        let keep = cmp(crate::tir::TCmp::Ge, nd, int(0));
        let r = TExpr::new(
            K::IfExp(
                Box::new(keep),
                Box::new(x),
                Box::new(TExpr::new(
                    K::IfExp(Box::new(big), Box::new(int(0)), Box::new(rounded)),
                    Ty::INT,
                    line,
                )),
            ),
            Ty::INT,
            line,
        );
        let r = fx.cast(r, ty.clone());
        return TExpr::new(K::Seq(st, Box::new(r)), ty, line);
    }
    if !ty.is_float() && !matches!(&ty, Ty::Vector(e, _) if e.is_float()) {
        let msg = format!("`round` needs a number, found `{}`", fx.ty_name(&ty));
        fx.error(Diag::error(E_MISMATCH, msg, span));
        return fx.unknown(line);
    }
    let Some(nd) = nd else {
        return even(v, &ty);
    };
    let ft = ty.clone();
    let n = fx.cast(nd, Ty::F64);
    let ten = TExpr::new(K::Float(10.0), Ty::F64, line);
    let scale = TExpr::new(
        K::Call(
            Callee::Intrinsic(crate::tir::Intrinsic::Pow),
            vec![TArg::Value(ten), TArg::Value(n)],
        ),
        Ty::F64,
        line,
    );
    let scale = fx.cast(scale, ft.clone());
    let (st, scale) = fx.temp(scale);
    let scaled = TExpr::new(
        K::Binary(TBin::Mul, Box::new(v), Box::new(scale.clone())),
        ft.clone(),
        line,
    );
    let r = TExpr::new(
        K::Binary(TBin::Div, Box::new(even(scaled, &ft)), Box::new(scale)),
        ft.clone(),
        line,
    );
    TExpr::new(K::Seq(vec![st], Box::new(r)), ft, line)
}

/// `sort(list, less)` / `sort[less](list)`: `list._sort_by(less)` (`stdlib/std/collections/list.mj`).
pub(crate) fn sort_by(fx: &mut FnCx<'_>, list: &ast::Expr, less: &ast::Expr, span: Span) -> TExpr {
    let call = ast::Expr {
        kind: ast::ExprKind::Call {
            func: Box::new(ast::Expr {
                kind: ast::ExprKind::Attr {
                    base: Box::new(list.clone()),
                    name: ast::Ident {
                        name: "_sort_by".into(),
                        span,
                    },
                },
                span,
            }),
            args: vec![ast::Arg {
                name: None,
                value: less.clone(),
                span: less.span,
            }],
        },
        span,
    };
    fx.expr(&call, None)
}

pub(super) fn sort_list(fx: &mut FnCx<'_>, v: TExpr, reverse: TExpr, span: Span) -> TExpr {
    let line = v.line;
    if fx.is_library_list(&v.ty) {
        // The library list sorts itself (`List.sort`); its elements need `__lt__`.
        if let Some(t @ Ty::Struct(..)) = crate::lang_items::list_elem(fx.cx, &v.ty)
            && !fx.has_method(&t, "__lt__")
        {
            let msg = format!(
                "cannot sort a `{}`: `{}` does not implement `__lt__`",
                fx.ty_name(&v.ty),
                fx.ty_name(&t)
            );
            fx.error(Diag::error(E_OPERATOR, msg, span).with_hint(format!(
                "define `def __lt__(self, other: {}) -> Bool` in the struct",
                fx.ty_name(&t)
            )));
            return fx.unknown(line);
        }
        let reverse = fx.truthy(reverse, span);
        return fx
            .dunder_call(v, "sort", vec![reverse], span)
            .unwrap_or_else(|| fx.unknown(line));
    }
    if !v.ty.is_unknown() {
        let msg = format!("sorting a `{}` is not supported", fx.ty_name(&v.ty));
        fx.error(Diag::error(E_UNSUPPORTED, msg, span).with_hint("sort a `List`"));
    }
    fx.unknown(line)
}

fn range_list(fx: &mut FnCx<'_>, mut vals: Vec<TExpr>, line: u32) -> TExpr {
    let (start, stop, step) = match vals.len() {
        1 => (fx.int(0, line), vals.remove(0), fx.int(1, line)),
        2 => {
            let a = vals.remove(0);
            (a, vals.remove(0), fx.int(1, line))
        }
        _ => {
            let a = vals.remove(0);
            let b = vals.remove(0);
            (a, b, vals.remove(0))
        }
    };
    let list = fx.build_list(Ty::INT, Vec::new(), line);
    let (s0, l) = fx.temp(list);
    let (s1, i) = fx.temp(start);
    let (s2, stop) = fx.temp(stop);
    let (s3, step) = fx.temp(step);
    let pos = TExpr::new(
        K::Cmp(TCmp::Gt, Box::new(step.clone()), Box::new(fx.int(0, line))),
        Ty::Bool,
        line,
    );
    let lt = TExpr::new(
        K::Cmp(TCmp::Lt, Box::new(i.clone()), Box::new(stop.clone())),
        Ty::Bool,
        line,
    );
    let gt = TExpr::new(
        K::Cmp(TCmp::Gt, Box::new(i.clone()), Box::new(stop)),
        Ty::Bool,
        line,
    );
    let cond = TExpr::new(
        K::IfExp(Box::new(pos), Box::new(lt), Box::new(gt)),
        Ty::Bool,
        line,
    );
    let push = fx.list_push(l.clone(), i.clone());
    let inc = TExpr::new(
        K::Binary(TBin::Add, Box::new(i.clone()), Box::new(step)),
        Ty::INT,
        line,
    );
    let w = TStmt::While {
        cond,
        body: vec![TStmt::Expr(push), TStmt::Assign(i, inc)],
        else_body: Vec::new(),
    };
    let l = crate::check::collections::move_out(l);
    TExpr::new(
        K::Seq(vec![s0, s1, s2, s3, w], Box::new(l)),
        fx.list_ty(Ty::INT),
        line,
    )
}

fn enumerate(fx: &mut FnCx<'_>, v: TExpr, span: Span) -> TExpr {
    let line = v.line;
    let Some(plan) = iteration_plan(fx, v, span) else {
        return fx.unknown(line);
    };
    let mut stmts = Vec::new();
    let c = fx.spill_to(plan.collection, &mut stmts);
    let count = (plan.count)(fx, c.clone());
    let (s1, i) = fx.temp(fx.int(0, line));
    let (s2, n) = fx.temp(fx.int(0, line));
    let skip = (plan.skip)(fx, c.clone(), i.clone());
    let elem = (plan.element)(fx, c, i.clone());
    let et = Ty::Tuple(vec![Ty::INT, elem.ty.clone()]);
    let list = fx.build_list(et.clone(), Vec::new(), line);
    let (s3, l) = fx.temp(list);
    let pair = TExpr::new(K::Aggregate(vec![n.clone(), elem]), et.clone(), line);
    let push = fx.list_push(l.clone(), pair);
    let inc_n = TExpr::new(
        K::Binary(TBin::Add, Box::new(n.clone()), Box::new(fx.int(1, line))),
        Ty::INT,
        line,
    );
    let inc_i = TExpr::new(
        K::Binary(TBin::Add, Box::new(i.clone()), Box::new(fx.int(1, line))),
        Ty::INT,
        line,
    );
    let step = vec![TStmt::Expr(push), TStmt::Assign(n, inc_n)];
    let body = match skip {
        Some(sk) => vec![
            TStmt::If(sk, Vec::new(), step),
            TStmt::Assign(i.clone(), inc_i),
        ],
        None => {
            let mut b = step;
            b.push(TStmt::Assign(i.clone(), inc_i));
            b
        }
    };
    let cond = TExpr::new(
        K::Cmp(TCmp::Lt, Box::new(i), Box::new(count)),
        Ty::Bool,
        line,
    );
    let w = TStmt::While {
        cond,
        body,
        else_body: Vec::new(),
    };
    stmts.extend([s1, s2, s3, w]);
    let l = crate::check::collections::move_out(l);
    let lt = fx.list_ty(et);
    TExpr::new(K::Seq(stmts, Box::new(l)), lt, line)
}

impl FnCx<'_> {
    /// The constructors of a string from memory, as Mojo spells them:
    /// `String(unsafe_from_utf8=span)`, `String(from_utf8=span)` (raises in Mojo on bad
    /// UTF-8; the bytes are taken as they are here), `StringSlice(ptr=p, length=n)`, and
    /// `String(capacity=n)` (an empty string: the capacity is only a hint).
    fn string_from_memory(&mut self, args: &[Arg], span: Span) -> Option<TExpr> {
        let line = self.line(span);
        let names: Vec<&str> = args
            .iter()
            .map(|a| a.name.as_ref().map_or("", |n| n.name.as_str()))
            .collect();
        let byte = Ty::Int {
            bits: 8,
            signed: false,
        };
        let (ptr, len) = match names.as_slice() {
            ["capacity"] => {
                self.typed_arg(&args[0], &Ty::INT);
                return Some(s("", line));
            }
            ["unsafe_from_utf8" | "from_utf8" | "bytes"] => {
                if names[0] == "from_utf8" {
                    self.check_may_raise("`String(from_utf8=...)`", span);
                }
                let v = self.typed_arg(&args[0], &Ty::Span(Box::new(byte.clone())));
                let mut stmts = Vec::new();
                let v = self.spill_to(v, &mut stmts);
                let p = TExpr::new(
                    K::Field(Box::new(v.clone()), 0),
                    Ty::RawPtr(Box::new(byte), 0),
                    line,
                );
                let n = TExpr::new(K::Field(Box::new(v), 1), Ty::INT, line);
                let call = self.rt_call(Rt::StrFromBytes, vec![p, n], Ty::Str, line);
                return Some(TExpr::new(K::Seq(stmts, Box::new(call)), Ty::Str, line));
            }
            ["ptr" | "unsafe_ptr", "length"] => (
                self.typed_arg(&args[0], &Ty::RawPtr(Box::new(byte), 0)),
                self.typed_arg(&args[1], &Ty::INT),
            ),
            _ => return None,
        };
        Some(self.rt_call(Rt::StrFromBytes, vec![ptr, len], Ty::Str, line))
    }

    /// `String(a, b, c, sep=", ", end="!")`: Mojo's variadic constructor writes each
    /// argument as `print` would, with `sep` between them and `end` after the last.
    fn string_of_writables(&mut self, args: &[Arg], line: u32) -> TExpr {
        let mut stmts = Vec::new();
        let mut sep = None;
        let mut end = None;
        for a in args {
            match a.name.as_ref().map(|n| n.name.as_str()) {
                Some("sep") => {
                    let v = self.typed_arg(a, &Ty::Str);
                    sep = Some(self.spill_to(v, &mut stmts));
                }
                Some(_) => {
                    let v = self.typed_arg(a, &Ty::Str);
                    end = Some(self.spill_to(v, &mut stmts));
                }
                None => {}
            }
        }
        let mut acc: Option<TExpr> = None;
        for a in args.iter().filter(|a| a.name.is_none()) {
            let v = self.expr(&a.value, None);
            let piece = self.stringify(v, a.value.span);
            acc = Some(match acc {
                None => piece,
                Some(prev) => {
                    let prev = match &sep {
                        Some(sp) => {
                            self.rt_call(Rt::StrConcat, vec![prev, sp.clone()], Ty::Str, line)
                        }
                        None => prev,
                    };
                    self.rt_call(Rt::StrConcat, vec![prev, piece], Ty::Str, line)
                }
            });
        }
        let mut out = acc.unwrap_or_else(|| s("", line));
        if let Some(e) = end {
            out = self.rt_call(Rt::StrConcat, vec![out, e], Ty::Str, line);
        }
        if stmts.is_empty() {
            out
        } else {
            TExpr::new(K::Seq(stmts, Box::new(out)), Ty::Str, line)
        }
    }
}
