//! The set-up message that gives a sandbox process everything it needs (limits,
//! module table, Warren's compiled JS, the fetch allowlist), so it never reads a
//! file itself.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::INIT;
use crate::egress::{EgressConfig, EgressPolicy, FetchCaps, HostPattern};
use crate::sandbox::code::HostBytecode;
use crate::sandbox::globals;
use crate::sandbox::limits::PoolLimits;
use crate::sandbox::modules::library_code::LibraryCode;
use crate::sandbox::modules::library_text::{LibraryText, Span};
use crate::sandbox::modules::{Library, ModuleTable};
use crate::sandbox::process::codec::{CodecError, Decoder, Encoder, Result};
use crate::sandbox::setup::SlotSetup;

/// What a sandbox process is set up with.
pub struct Init {
    pub setup: SlotSetup,
    /// Virtual memory the process may map (`RLIMIT_AS`).
    pub address_space_bytes: u64,
}

pub fn encode_init(setup: &SlotSetup, address_space_bytes: u64) -> Vec<u8> {
    let mut e = Encoder::frame(INIT);
    let limits = &setup.limits;
    e.u64(address_space_bytes)
        .u64(limits.timeout_ms)
        .u64(limits.memory_mb)
        .u64(limits.stack_kb)
        .u64(limits.max_result_bytes as u64)
        .u64(limits.max_log_entries as u64)
        .u64(limits.max_log_bytes as u64)
        .u64(setup.cache_bytes as u64)
        .bool(setup.allow_eval)
        .bool(setup.snapshots);
    let names: Vec<&str> = setup.modules.names().collect();
    e.strings(names.into_iter());
    e.strings(setup.preload.iter().map(String::as_str));
    // The files' text: shared (the process maps the memfd it is handed as
    // `LIBRARY_FD`), or in this frame for a library made in memory.
    let library = setup.modules.library();
    match library.text().shared_fd() {
        Some(_) => e.bool(true),
        None => e.bool(false).bytes(library.text().bytes()),
    };
    e.u32(library.files().len() as u32);
    for (path, span) in library.files() {
        e.str(path).u64(span.start as u64).u64(span.len as u64);
    }
    match &setup.fetch {
        Some(grant) => {
            let patterns: Vec<String> = grant
                .policy
                .patterns()
                .iter()
                .map(|p| p.to_string())
                .collect();
            e.bool(true)
                .strings(patterns.iter().map(String::as_str))
                .strings(grant.policy.schemes().iter().map(String::as_str))
                .u32(grant.caps.max_requests)
                .u64(grant.caps.max_request_bytes as u64)
                .u64(grant.caps.max_response_bytes as u64);
        }
        None => {
            e.bool(false);
        }
    }
    let host = &setup.host;
    e.bytes(&host.prelude).u32(host.parts.len() as u32);
    for (name, code) in host.parts.iter() {
        e.str(name).bytes(code);
    }
    e.u32(host.modules.len() as u32);
    for (name, code) in host.modules.iter() {
        e.str(name).bytes(code);
    }
    e.finish()
}

/// The set-up in an `INIT` frame; `shared` maps the library text the worker shares
/// (when the frame says it does).
pub fn decode_init(
    d: &mut Decoder<'_>,
    shared: impl FnOnce() -> std::io::Result<LibraryText>,
) -> Result<Init> {
    let address_space_bytes = d.u64()?;
    let limits = PoolLimits {
        timeout_ms: d.u64()?,
        memory_mb: d.u64()?,
        stack_kb: d.u64()?,
        max_result_bytes: d.usize()?,
        max_log_entries: d.usize()?,
        max_log_bytes: d.usize()?,
    };
    let cache_bytes = d.usize()?;
    let allow_eval = d.bool()?;
    let snapshots = d.bool()?;
    let names = d.strings()?;
    let preload = d.strings()?;
    let text = if d.bool()? {
        shared().map_err(|_| CodecError::Invalid("shared library text"))?
    } else {
        LibraryText::Heap(d.bytes()?.to_vec())
    };
    let count = d.count()?;
    let files = (0..count)
        .map(|_| {
            let path = d.string()?;
            let span = Span {
                start: d.usize()?,
                len: d.usize()?,
            };
            if text.get(span).is_none() {
                return Err(CodecError::Invalid("library file outside its text"));
            }
            Ok((path, span))
        })
        .collect::<Result<BTreeMap<_, _>>>()?;
    let library = Arc::new(Library::from_spans(files, text));
    let modules = Arc::new(ModuleTable::new(names).with_library(library.clone()));
    let fetch = if d.bool()? {
        let patterns = d
            .strings()?
            .iter()
            .map(|p| p.parse::<HostPattern>())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| CodecError::Invalid("allowlist entry"))?;
        let schemes = d.strings()?;
        let caps = FetchCaps {
            max_requests: d.u32()?,
            max_request_bytes: d.usize()?,
            max_response_bytes: d.usize()?,
        };
        Some(Arc::new(EgressConfig {
            policy: EgressPolicy::new(patterns, &schemes),
            caps,
        }))
    } else {
        None
    };
    let prelude = d.bytes()?.to_vec();
    let count = d.count()?;
    let mut parts = HashMap::with_capacity(count);
    for _ in 0..count {
        let name = globals::part(d.str()?)
            .map(|part| part.name)
            .ok_or(CodecError::Invalid("prelude part"))?;
        parts.insert(name, d.bytes()?.to_vec());
    }
    let count = d.count()?;
    let mut modules_code = HashMap::with_capacity(count);
    for _ in 0..count {
        modules_code.insert(d.string()?, d.bytes()?.to_vec());
    }
    let host = HostBytecode {
        prelude,
        parts: Arc::new(parts),
        modules: Arc::new(modules_code),
        library: Arc::new(LibraryCode::new(library)),
    };
    Ok(Init {
        setup: SlotSetup {
            limits,
            modules,
            cache_bytes,
            host: Arc::new(host),
            fetch,
            allow_eval,
            snapshots,
            preload: preload.into(),
        },
        address_space_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::code::compile_host;
    use crate::sandbox::modules::library_text::{SharedText, TextWriter};
    use crate::sandbox::process::codec::LENGTH_BYTES;

    #[test]
    fn a_process_is_set_up_exactly_as_the_worker_is() {
        let library = Library::from_files([("pad.js", "export default (s) => s + '!';")]);
        let modules = Arc::new(
            ModuleTable::new(["crypto".to_string(), "pad".to_string()])
                .with_library(Arc::new(library)),
        );
        let host = Arc::new(compile_host(&modules).expect("host JS compiles"));
        let policy = EgressPolicy::new(
            vec![
                "api.example.com".parse().expect("pattern"),
                "*.example.org:8443".parse().expect("pattern"),
            ],
            &["https".to_string()],
        );
        let setup = SlotSetup {
            limits: PoolLimits {
                timeout_ms: 1234,
                ..PoolLimits::default()
            },
            modules: modules.clone(),
            cache_bytes: 99,
            host: host.clone(),
            fetch: Some(Arc::new(EgressConfig {
                policy: policy.clone(),
                caps: FetchCaps::default(),
            })),
            allow_eval: true,
            snapshots: false,
            preload: vec!["b".to_string(), "c".to_string()].into(),
        };
        let frame = encode_init(&setup, 1 << 30);
        let (tag, mut d) = Decoder::frame(&frame[LENGTH_BYTES..]).expect("frame");
        assert_eq!(tag, INIT);
        let init = decode_init(&mut d, || unreachable!("a heap library is in the frame"))
            .expect("decodes");
        d.end().expect("whole frame read");
        assert_eq!(init.address_space_bytes, 1 << 30);
        assert_eq!(init.setup.limits, setup.limits);
        assert_eq!(init.setup.cache_bytes, 99);
        assert!(init.setup.allow_eval);
        assert!(!init.setup.snapshots);
        assert_eq!(*init.setup.preload, ["b".to_string(), "c".to_string()]);
        assert_eq!(*init.setup.modules, *modules);
        let grant = init.setup.fetch.expect("fetch granted");
        assert_eq!(grant.policy, policy);
        assert_eq!(grant.caps, FetchCaps::default());
        assert_eq!(init.setup.host.prelude, host.prelude);
        assert_eq!(*init.setup.host.parts, *host.parts);
        assert_eq!(*init.setup.host.modules, *host.modules);
    }

    #[test]
    fn a_shared_library_is_mapped_not_sent() {
        let mut writer = TextWriter::new().expect("memfd");
        let mut files = BTreeMap::new();
        for (path, source) in [
            ("a/index.js", "module.exports = 1"),
            ("b.js", "export default 2"),
        ] {
            files.insert(
                path.to_owned(),
                writer.append(source.as_bytes()).expect("write"),
            );
        }
        let library = Arc::new(Library::from_spans(files, writer.finish().expect("sealed")));
        let modules = Arc::new(ModuleTable::new(["b".to_string()]).with_library(library.clone()));
        let setup = SlotSetup {
            limits: PoolLimits::default(),
            modules: modules.clone(),
            cache_bytes: 1,
            host: Arc::new(compile_host(&modules).expect("host JS compiles")),
            fetch: None,
            allow_eval: false,
            snapshots: true,
            preload: Vec::new().into(),
        };
        let frame = encode_init(&setup, 1 << 30);
        assert!(frame.len() < 1 << 20, "no source in the frame");
        let (_, mut d) = Decoder::frame(&frame[LENGTH_BYTES..]).expect("frame");
        let fd = library.text().shared_fd().expect("shared");
        let init =
            decode_init(&mut d, || SharedText::map(fd).map(LibraryText::Shared)).expect("decodes");
        assert_eq!(*init.setup.modules, *modules);
        let theirs = init.setup.modules.library();
        assert_eq!(theirs.source("a/index.js"), Some("module.exports = 1"));
        assert_eq!(theirs.source("b.js"), Some("export default 2"));
    }
}
