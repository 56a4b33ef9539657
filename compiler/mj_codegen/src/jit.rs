//! Running object code in-process with ORC LLJIT (through the llvm-sys C API, which inkwell
//! does not wrap). `mj run` uses this for fresh and cached objects alike, so a warm run links
//! cached bytes and generates no code.

use std::ffi::{CStr, CString, c_char, c_void};
use std::ptr;
use std::sync::Mutex;

use llvm_sys::error::{LLVMDisposeErrorMessage, LLVMErrorRef, LLVMGetErrorMessage};
use llvm_sys::orc2::lljit::{
    LLVMOrcCreateLLJIT, LLVMOrcDisposeLLJIT, LLVMOrcLLJITAddObjectFile,
    LLVMOrcLLJITGetExecutionSession, LLVMOrcLLJITGetGlobalPrefix, LLVMOrcLLJITGetMainJITDylib,
    LLVMOrcLLJITLookup, LLVMOrcLLJITMangleAndIntern, LLVMOrcLLJITRef,
};
use llvm_sys::orc2::{
    LLVMJITEvaluatedSymbol, LLVMJITSymbolFlags, LLVMJITSymbolGenericFlags, LLVMOrcAbsoluteSymbols,
    LLVMOrcCSymbolMapPair, LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess,
    LLVMOrcDefinitionGeneratorRef, LLVMOrcExecutionSessionSetErrorReporter,
    LLVMOrcJITDylibAddGenerator, LLVMOrcJITDylibDefine, LLVMOrcMaterializationUnitRef,
};

/// Converts an `LLVMErrorRef` (consuming it) into a `Result`.
fn check(err: LLVMErrorRef, what: &str) -> Result<(), String> {
    if err.is_null() {
        return Ok(());
    }
    Err(format!("{what}: {}", error_message(err)))
}

fn error_message(err: LLVMErrorRef) -> String {
    // SAFETY: `err` is a live, non-null error; getting its message consumes it, and the
    // message is freed with the matching dispose function.
    unsafe {
        let m = LLVMGetErrorMessage(err);
        let s = CStr::from_ptr(m).to_string_lossy().into_owned();
        LLVMDisposeErrorMessage(m);
        s
    }
}

/// Session errors (such as "Symbols not found: [ foo ]") reach ORC's error reporter rather
/// than the failing lookup, which only says that materialization failed. The default
/// reporter prints to stderr; ours keeps them for the lookup's error message.
extern "C" fn report_error(ctx: *mut c_void, err: LLVMErrorRef) {
    let msg = error_message(err);
    // SAFETY: `ctx` is the `Mutex` owned by the `Jit`, which outlives its session.
    let log = unsafe { &*(ctx as *const Mutex<Vec<String>>) };
    if let Ok(mut l) = log.lock() {
        l.push(msg);
    }
}

/// One loaded object, with its own JIT instance. Dropping it frees the code.
pub struct Jit {
    jit: LLVMOrcLLJITRef,
    /// Errors reported by the session; boxed so that its address is stable. Fields drop
    /// after `Drop::drop` disposes the JIT, so the reporter never sees a dangling pointer.
    errors: Box<Mutex<Vec<String>>>,
}

impl Jit {
    /// Loads `object` (a host relocatable object) into a fresh LLJIT. Undefined symbols
    /// resolve first to `symbols` (name, address) — the runtime, which is linked into the
    /// host binary but not exported dynamically — and then to the process's own dynamic
    /// symbols (libc, libm).
    pub fn new(object: &[u8], symbols: &[(&str, usize)]) -> Result<Jit, String> {
        crate::target::init_native()?;
        let mut raw: LLVMOrcLLJITRef = ptr::null_mut();
        // SAFETY: a null builder asks for the default (host) configuration.
        check(
            unsafe { LLVMOrcCreateLLJIT(&mut raw, ptr::null_mut()) },
            "cannot create the JIT",
        )?;
        let jit = Jit {
            jit: raw,
            errors: Box::new(Mutex::new(Vec::new())),
        };
        // SAFETY: `jit.jit` is a live LLJIT for all calls below; ownership of each argument
        // passed to a consuming C function is documented inline.
        unsafe {
            LLVMOrcExecutionSessionSetErrorReporter(
                LLVMOrcLLJITGetExecutionSession(jit.jit),
                report_error,
                &*jit.errors as *const Mutex<Vec<String>> as *mut c_void,
            );
            let jd = LLVMOrcLLJITGetMainJITDylib(jit.jit);
            if !symbols.is_empty() {
                let mut pairs = Vec::with_capacity(symbols.len());
                for (name, addr) in symbols {
                    let c = CString::new(*name).map_err(|_| format!("bad symbol name {name:?}"))?;
                    pairs.push(LLVMOrcCSymbolMapPair {
                        // A retained pool entry, whose reference passes to the symbol map.
                        Name: LLVMOrcLLJITMangleAndIntern(jit.jit, c.as_ptr()),
                        Sym: LLVMJITEvaluatedSymbol {
                            Address: *addr as u64,
                            Flags: LLVMJITSymbolFlags {
                                GenericFlags: LLVMJITSymbolGenericFlags::LLVMJITSymbolGenericFlagsExported
                                    as u8
                                    | LLVMJITSymbolGenericFlags::LLVMJITSymbolGenericFlagsCallable as u8,
                                TargetFlags: 0,
                            },
                        },
                    });
                }
                let mu: LLVMOrcMaterializationUnitRef =
                    LLVMOrcAbsoluteSymbols(pairs.as_mut_ptr(), pairs.len());
                // On success the dylib owns `mu`.
                check(
                    LLVMOrcJITDylibDefine(jd, mu),
                    "cannot define the runtime symbols",
                )?;
            }
            let mut generator: LLVMOrcDefinitionGeneratorRef = ptr::null_mut();
            check(
                LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
                    &mut generator,
                    LLVMOrcLLJITGetGlobalPrefix(jit.jit),
                    None,
                    ptr::null_mut(),
                ),
                "cannot search the process for symbols",
            )?;
            // The dylib takes ownership of the generator.
            LLVMOrcJITDylibAddGenerator(jd, generator);

            let name = c"mj-object";
            let buf = llvm_sys::core::LLVMCreateMemoryBufferWithMemoryRangeCopy(
                object.as_ptr() as *const c_char,
                object.len(),
                name.as_ptr(),
            );
            // The JIT takes ownership of the buffer, even on failure.
            check(
                LLVMOrcLLJITAddObjectFile(jit.jit, jd, buf),
                "cannot load the object",
            )?;
        }
        Ok(jit)
    }

    /// The address of a symbol of the loaded object; linking happens on the first lookup, so
    /// unresolved symbols are reported here.
    pub fn lookup(&self, name: &str) -> Result<usize, String> {
        let c = CString::new(name).map_err(|_| format!("bad symbol name {name:?}"))?;
        let mut addr = 0u64;
        // SAFETY: `self.jit` is live and `c` outlives the call.
        let err = unsafe { LLVMOrcLLJITLookup(self.jit, &mut addr, c.as_ptr()) };
        if !err.is_null() {
            let mut msg = format!("cannot link `{name}`: {}", error_message(err));
            if let Ok(mut log) = self.errors.lock() {
                for e in log.drain(..) {
                    msg.push('\n');
                    msg.push_str(&e);
                }
            }
            return Err(msg);
        }
        if addr == 0 {
            return Err(format!("symbol `{name}` resolved to null"));
        }
        Ok(addr as usize)
    }
}

impl Drop for Jit {
    fn drop(&mut self) {
        // SAFETY: we own the JIT; nothing refers to its code after drop. A disposal error
        // cannot be reported from `drop`, so its message is discarded.
        let _ = check(unsafe { LLVMOrcDisposeLLJIT(self.jit) }, "");
    }
}

/// Runs the C `main` of `object` in this process with the runtime's symbols, with
/// `args` as argv (`args[0]` is the program path). Returns `main`'s status. A run-time
/// abort in the program exits the process, as it would for an executable.
pub fn run_object_in_process(object: &[u8], args: &[String]) -> Result<i32, String> {
    run_object_with_symbols(object, args, &mj_runtime::symbols())
}

/// [`run_object_in_process`] with an explicit symbol table.
pub fn run_object_with_symbols(
    object: &[u8],
    args: &[String],
    symbols: &[(&str, usize)],
) -> Result<i32, String> {
    let jit = Jit::new(object, symbols)?;
    let main = jit.lookup("main")?;
    let cargs = args
        .iter()
        .map(|a| {
            CString::new(a.as_str()).map_err(|_| format!("argument {a:?} contains a NUL byte"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut argv: Vec<*const c_char> = cargs.iter().map(|a| a.as_ptr()).collect();
    argv.push(ptr::null());
    let argc = i32::try_from(cargs.len()).map_err(|_| "too many arguments".to_string())?;
    // SAFETY: `main` is the generated `i32 main(i32, ptr)`; `argv` is a NUL-terminated array
    // of C strings that outlives the call, as C requires.
    let status = unsafe {
        let f: extern "C" fn(i32, *const *const c_char) -> i32 = std::mem::transmute(main);
        f(argc, argv.as_ptr())
    };
    drop(jit);
    Ok(status)
}
