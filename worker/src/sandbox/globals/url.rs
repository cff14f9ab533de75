//! Native half of `URL` and `URLSearchParams` (`url.js`): WHATWG URL parsing and
//! setters, from the `url` crate.

use crate::sandbox::runtime::pins::host_function;
use rquickjs::function::Opt;
use rquickjs::{Ctx, Object, Result, Value};

use crate::sandbox::runtime::text::Text;

/// Adds `urlParse` and `urlSet` to `host`, unless a part added them already.
pub fn install<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> Result<()> {
    if host.contains_key("urlParse")? {
        return Ok(());
    }
    host.set("urlParse", host_function(ctx, url_parse)?)?;
    host.set("urlSet", host_function(ctx, url_set)?)
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

fn url_parse<'js>(ctx: Ctx<'js>, input: Text, base: Opt<Text>) -> Result<Value<'js>> {
    let parsed = match base.0 {
        Some(base) => url::Url::parse(&base).and_then(|base| base.join(&input)),
        None => url::Url::parse(&input),
    };
    match parsed {
        Ok(url) => url_parts(&ctx, &url),
        Err(_) => Ok(Value::new_null(ctx)),
    }
}

fn url_set<'js>(ctx: Ctx<'js>, href: Text, field: Text, value: Text) -> Result<Value<'js>> {
    use url::quirks;
    let Ok(mut url) = url::Url::parse(&href) else {
        return Ok(Value::new_null(ctx));
    };
    let ok = match &*field {
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
    if ok || &*field != "href" {
        url_parts(&ctx, &url)
    } else {
        Ok(Value::new_null(ctx))
    }
}
