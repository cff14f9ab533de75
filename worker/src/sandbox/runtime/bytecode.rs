//! Compiling source to QuickJS bytecode and loading it back.
//!
//! Job contexts have no compiler (no `Eval` intrinsic, so no `eval` or `new Function`
//! for jobs either); everything they run arrives as bytecode that this process
//! produced itself. rquickjs covers modules; scripts need the raw calls below.

use std::ffi::CString;

use rquickjs::module::{Declared, WriteOptions};
use rquickjs::{Ctx, Error, Module, Result, Value, qjs};

/// How much a compiled object keeps besides its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Line numbers and source: stack traces and `toString` work (customer code).
    Debug,
    /// Code only: smaller and faster to load (Warren's own prelude).
    CodeOnly,
}

impl Keep {
    fn flags(self) -> i32 {
        let strip = match self {
            Keep::Debug => 0,
            Keep::CodeOnly => qjs::JS_WRITE_OBJ_STRIP_DEBUG | qjs::JS_WRITE_OBJ_STRIP_SOURCE,
        };
        (qjs::JS_WRITE_OBJ_BYTECODE | strip) as i32
    }
}

/// Compiles a classic (sloppy-mode) script; running it yields its completion value.
pub fn compile_script(ctx: &Ctx<'_>, source: &str, filename: &str, keep: Keep) -> Result<Vec<u8>> {
    let source = CString::new(source)?;
    let filename = CString::new(filename)?;
    let flags = (qjs::JS_EVAL_TYPE_GLOBAL | qjs::JS_EVAL_FLAG_COMPILE_ONLY) as i32;
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: `source` is NUL-terminated as JS_Eval requires; the returned value is
    // owned and handed straight to `Value::from_raw`, which frees it.
    let compiled = unsafe {
        let value = qjs::JS_Eval(
            raw,
            source.as_ptr(),
            source.as_bytes().len() as _,
            filename.as_ptr(),
            flags,
        );
        if qjs::JS_IsException(value) {
            return Err(Error::Exception);
        }
        Value::from_raw(ctx.clone(), value)
    };
    write_object(ctx, &compiled, keep)
}

/// Compiles an ES module.
pub fn compile_module(ctx: &Ctx<'_>, source: &str, name: &str) -> Result<Vec<u8>> {
    let module = Module::declare(ctx.clone(), name, source)?;
    module.write(WriteOptions::default())
}

fn write_object(ctx: &Ctx<'_>, value: &Value<'_>, keep: Keep) -> Result<Vec<u8>> {
    let raw = ctx.as_raw().as_ptr();
    let mut len = 0;
    // SAFETY: `value` is alive for the call; the buffer JS_WriteObject returns is
    // copied and then released with the context's allocator.
    unsafe {
        let buf = qjs::JS_WriteObject(raw, &mut len, value.as_raw(), keep.flags());
        if buf.is_null() {
            return Err(Error::Exception);
        }
        let bytes = std::slice::from_raw_parts(buf, len as usize).to_vec();
        qjs::js_free(raw, buf.cast());
        Ok(bytes)
    }
}

/// Loads and runs a script compiled by [`compile_script`], returning its completion value.
///
/// # Safety
/// `bytecode` must come from [`compile_script`] in this process.
pub unsafe fn run_script<'js>(ctx: &Ctx<'js>, bytecode: &[u8]) -> Result<Value<'js>> {
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: the caller vouches for the bytecode; values are owned and wrapped at once.
    unsafe {
        let function = qjs::JS_ReadObject(
            raw,
            bytecode.as_ptr(),
            bytecode.len() as _,
            qjs::JS_READ_OBJ_BYTECODE as i32,
        );
        if qjs::JS_IsException(function) {
            return Err(Error::Exception);
        }
        let result = qjs::JS_EvalFunction(raw, function);
        if qjs::JS_IsException(result) {
            return Err(Error::Exception);
        }
        Ok(Value::from_raw(ctx.clone(), result))
    }
}

/// Loads a module compiled by [`compile_module`].
///
/// # Safety
/// `bytecode` must come from [`compile_module`] in this process.
pub unsafe fn load_module<'js>(ctx: &Ctx<'js>, bytecode: &[u8]) -> Result<Module<'js, Declared>> {
    // SAFETY: the caller vouches for the bytecode.
    unsafe { Module::load(ctx.clone(), bytecode) }
}
