// VS Code extension for mj: starts the language server `mj lsp` (stdio) for `.mj` documents.
// Plain CommonJS, no build step. Highlighting comes from syntaxes/mj.tmLanguage.json and
// needs no code.
'use strict';

const os = require('os');
const path = require('path');
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

const CLIENT_ID = 'mj'; // also the prefix of the `mj.trace.server` setting the client reads
const CLIENT_NAME = 'mj language server';

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel | undefined} */
let outputChannel;
// Serializes start/stop so that quick successive setting changes do not race.
let pending = Promise.resolve();

/**
 * The `mj` executable from the `mj.path` setting: `~` and `${workspaceFolder}` expanded,
 * a path relative to the first workspace folder resolved against it, a bare name left for
 * the PATH lookup.
 */
function mjExecutable() {
  const configured = vscode.workspace.getConfiguration('mj').get('path');
  let exe = typeof configured === 'string' && configured.trim() !== '' ? configured.trim() : 'mj';
  const folders = vscode.workspace.workspaceFolders;
  const root = folders && folders.length > 0 ? folders[0].uri.fsPath : undefined;
  if (root) {
    exe = exe.split('${workspaceFolder}').join(root);
  }
  if (exe === '~' || exe.startsWith('~/')) {
    exe = path.join(os.homedir(), exe.slice(1));
  }
  const hasSeparator = exe.includes('/') || exe.includes('\\');
  if (hasSeparator && !path.isAbsolute(exe) && root) {
    exe = path.resolve(root, exe);
  }
  return exe;
}

/** The server's launch description: `<mj.path> lsp` over stdio. */
function serverOptions(exe) {
  const run = { command: exe, args: ['lsp'], transport: TransportKind.stdio };
  return { run, debug: run };
}

function clientOptions() {
  return {
    documentSelector: [
      { scheme: 'file', language: 'mj' },
      { scheme: 'untitled', language: 'mj' },
    ],
    outputChannel,
  };
}

async function startClient() {
  const exe = mjExecutable();
  const c = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions(exe), clientOptions());
  client = c;
  try {
    await c.start();
  } catch (err) {
    const why = err && err.message ? err.message : String(err);
    vscode.window.showErrorMessage(
      `mj: could not start the language server \`${exe} lsp\` (${why}). ` +
        'Set "mj.path" to the mj executable.'
    );
  }
}

async function stopClient() {
  const c = client;
  client = undefined;
  if (!c) {
    return;
  }
  try {
    await c.stop();
  } catch (_err) {
    // A server that never started (or already died) has nothing to stop.
  }
}

function restart() {
  pending = pending.then(stopClient).then(startClient);
  return pending;
}

function activate(context) {
  outputChannel = vscode.window.createOutputChannel(CLIENT_NAME);
  context.subscriptions.push(outputChannel);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      // Returned for tests; VS Code ignores a listener's result.
      return event.affectsConfiguration('mj.path') ? restart() : undefined;
    })
  );
  context.subscriptions.push(vscode.commands.registerCommand('mj.restartServer', restart));
  // Not returned: activation should not wait for the server's initialize handshake.
  pending = pending.then(startClient);
}

function deactivate() {
  pending = pending.then(stopClient);
  return pending;
}

module.exports = { activate, deactivate, mjExecutable, serverOptions };
