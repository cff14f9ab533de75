//! The `content_type` rule: `application/json`, compared case-insensitively, parameters
//! ignored except a charset other than UTF-8.

/// Why a content type is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentTypeError {
    #[error("content_type is missing; it must be application/json")]
    Missing,
    #[error("content_type {0:?} is not application/json")]
    NotJson(String),
    #[error("content_type charset {0:?} is not UTF-8")]
    Charset(String),
}

/// Checks a job's `content_type` property.
pub fn check(content_type: Option<&str>) -> Result<(), ContentTypeError> {
    let raw = content_type.ok_or(ContentTypeError::Missing)?;
    let mut parts = raw.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case(crate::JSON_CONTENT_TYPE) {
        return Err(ContentTypeError::NotJson(raw.to_owned()));
    }
    for param in parts {
        let Some((name, value)) = param.split_once('=') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("charset") {
            let value = value.trim().trim_matches('"');
            if !value.eq_ignore_ascii_case("utf-8") && !value.eq_ignore_ascii_case("utf8") {
                return Err(ContentTypeError::Charset(value.to_owned()));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_json_in_any_case_with_parameters() {
        assert_eq!(check(Some("application/json")), Ok(()));
        assert_eq!(check(Some("Application/JSON")), Ok(()));
        assert_eq!(check(Some("application/json; charset=UTF-8")), Ok(()));
        assert_eq!(check(Some("application/json;charset=\"utf-8\"")), Ok(()));
        assert_eq!(check(Some("application/json; foo=bar")), Ok(()));
    }

    #[test]
    fn refuses_other_types_and_charsets() {
        assert_eq!(check(None), Err(ContentTypeError::Missing));
        assert!(matches!(
            check(Some("text/plain")),
            Err(ContentTypeError::NotJson(_))
        ));
        assert!(matches!(check(Some("")), Err(ContentTypeError::NotJson(_))));
        assert!(matches!(
            check(Some("application/json; charset=latin1")),
            Err(ContentTypeError::Charset(_))
        ));
    }
}
