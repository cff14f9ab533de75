//! The native helpers behind the prelude's globals (`console`, timers) and its parts
//! (`TextEncoder`, `TextDecoder`, `URL`, `fetch`). They are handed to the prelude and
//! to each part in an object that job code never sees.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Instant;

use rquickjs::function::Opt;
use rquickjs::{Ctx, Exception, Function, Object, Result, TypedArray, Value};

use super::compile::PreludeParts;
use super::console::LogSink;

/// Name of the error the prelude throws when a module exports no function; the
/// job's `compile` outcome is recognised by it (and by the flag `noFunction` sets).
pub const NO_FUNCTION_ERROR_NAME: &str = "WarrenNoFunctionError";

/// Builds the `host` object for one job.
pub fn host_object<'js>(
    ctx: &Ctx<'js>,
    logs: Rc<RefCell<LogSink>>,
    started: Rc<Cell<Instant>>,
    parts: PreludeParts,
    no_function: Rc<Cell<bool>>,
) -> Result<Object<'js>> {
    let host = Object::new(ctx.clone())?;
    // No prototype: whatever job code puts on `Object.prototype` (a setter for a name
    // the host later gets) never runs with the host as `this`.
    host.set_prototype(None)?;
    host.set(
        "noFunction",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, message: String| -> Result<Value<'js>> {
                no_function.set(true);
                let error = Exception::from_message(ctx, &message)?;
                error.set("name", NO_FUNCTION_ERROR_NAME)?;
                Ok(error.into_value())
            },
        )?,
    )?;
    host.set(
        "part",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, name: String| -> Result<Value<'js>> {
                match parts.get(name.as_str()) {
                    // SAFETY: prelude parts are compiled by this process (`compile_host`).
                    Some(bytecode) => unsafe { super::bytecode::run_script(&ctx, bytecode) },
                    None => Err(Exception::throw_reference(
                        &ctx,
                        &format!("no prelude part {name}"),
                    )),
                }
            },
        )?,
    )?;
    let sink = logs.clone();
    host.set(
        "log",
        Function::new(ctx.clone(), move |level: u32, message: String| {
            sink.borrow_mut().push(level, message);
        })?,
    )?;
    host.set(
        "logOpen",
        Function::new(ctx.clone(), move || logs.borrow().is_open())?,
    )?;
    host.set(
        "clock",
        Function::new(ctx.clone(), move || {
            started.get().elapsed().as_millis() as f64
        })?,
    )?;
    Ok(host)
}

/// Adds the helpers the prelude parts need (text and URL codecs) to a host object.
pub fn add_part_helpers<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> Result<()> {
    host.set("utf8Encode", Function::new(ctx.clone(), utf8_encode)?)?;
    host.set("utf8Decode", Function::new(ctx.clone(), utf8_decode)?)?;
    host.set("urlParse", Function::new(ctx.clone(), url_parse)?)?;
    host.set("urlSet", Function::new(ctx.clone(), url_set)?)
}

fn utf8_encode<'js>(ctx: Ctx<'js>, text: String) -> Result<TypedArray<'js, u8>> {
    super::intrinsics::ensure(&ctx, super::intrinsics::Lazy::TypedArrays)?;
    TypedArray::new_copy(ctx, text.as_bytes())
}

fn utf8_decode<'js>(ctx: Ctx<'js>, bytes: TypedArray<'js, u8>, fatal: Opt<bool>) -> Result<String> {
    let bytes = copy_bytes(&bytes);
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(err) if !fatal.0.unwrap_or(false) => {
            Ok(String::from_utf8_lossy(err.as_bytes()).into_owned())
        }
        Err(_) => Err(Exception::throw_type(
            &ctx,
            "The encoded data was not valid utf-8",
        )),
    }
}

/// Copies a typed array's bytes out of the JS heap (empty when detached).
pub fn copy_bytes(bytes: &TypedArray<'_, u8>) -> Vec<u8> {
    // SAFETY: the slice is copied at once, before any JS can run and detach it.
    unsafe { bytes.as_bytes() }
        .map(<[u8]>::to_vec)
        .unwrap_or_default()
}

fn url_parts<'js>(ctx: &Ctx<'js>, url: &url::Url) -> Result<Value<'js>> {
    use url::quirks;
    let parts = [
        quirks::href(url),
        quirks::protocol(url),
        quirks::username(url),
        quirks::password(url),
        quirks::host(url),
        quirks::hostname(url),
        quirks::port(url),
        quirks::pathname(url),
        quirks::search(url),
        quirks::hash(url),
    ];
    let array = rquickjs::Array::new(ctx.clone())?;
    for (i, part) in parts.iter().enumerate() {
        array.set(i, *part)?;
    }
    array.set(parts.len(), quirks::origin(url))?;
    Ok(array.into_value())
}

fn url_parse<'js>(ctx: Ctx<'js>, input: String, base: Opt<String>) -> Result<Value<'js>> {
    let parsed = match base.0 {
        Some(base) => url::Url::parse(&base).and_then(|base| base.join(&input)),
        None => url::Url::parse(&input),
    };
    match parsed {
        Ok(url) => url_parts(&ctx, &url),
        Err(_) => Ok(Value::new_null(ctx)),
    }
}

fn url_set<'js>(ctx: Ctx<'js>, href: String, field: String, value: String) -> Result<Value<'js>> {
    use url::quirks;
    let Ok(mut url) = url::Url::parse(&href) else {
        return Ok(Value::new_null(ctx));
    };
    let ok = match field.as_str() {
        "href" => match url::Url::parse(&value) {
            Ok(new) => {
                url = new;
                true
            }
            Err(_) => false,
        },
        "protocol" => quirks::set_protocol(&mut url, &value).is_ok(),
        "username" => quirks::set_username(&mut url, &value).is_ok(),
        "password" => quirks::set_password(&mut url, &value).is_ok(),
        "host" => quirks::set_host(&mut url, &value).is_ok(),
        "hostname" => quirks::set_hostname(&mut url, &value).is_ok(),
        "port" => quirks::set_port(&mut url, &value).is_ok(),
        "pathname" => {
            quirks::set_pathname(&mut url, &value);
            true
        }
        "search" => {
            quirks::set_search(&mut url, &value);
            true
        }
        "hash" => {
            quirks::set_hash(&mut url, &value);
            true
        }
        _ => false,
    };
    if ok || field != "href" {
        url_parts(&ctx, &url)
    } else {
        Ok(Value::new_null(ctx))
    }
}
