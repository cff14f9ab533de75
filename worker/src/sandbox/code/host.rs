//! Warren's own JS, compiled once per engine: the prelude, its parts and every
//! built-in module. Bytecode is plain bytes, shared by every slot (and handed to
//! every sandbox process). The operator's library is compiled later, file by file,
//! as jobs first load it (`modules::library_code`).

use std::collections::HashMap;
use std::sync::Arc;

use rquickjs::CatchResultExt;

use crate::sandbox::globals::{PARTS, PRELUDE, PreludeParts};
use crate::sandbox::modules::ModuleTable;
use crate::sandbox::modules::builtin::{NODE_ERRORS, NODE_ERRORS_SOURCE};
use crate::sandbox::modules::commonjs::COMMONJS_SOURCE;
use crate::sandbox::modules::graph::reporting_evaluation;
use crate::sandbox::modules::library_code::{COMMONJS_MODULE, LibraryCode};
use crate::sandbox::modules::loader::ModuleBytecode;
use crate::sandbox::modules::registry::BUILTINS;
use crate::sandbox::modules::resolver::EMPTY_MODULE;
use crate::sandbox::runtime::bytecode::{self, Keep};
use crate::sandbox::runtime::cstring;
use crate::sandbox::runtime::throwaway::{AnyName, StubLoader, with_compiler};

/// Bytecode of Warren's own JS: the prelude, its lazily loaded parts, and the
/// built-in modules (by the one name the loader knows each by); and the operator's
/// library, compiled as it is first used.
pub struct HostBytecode {
    pub prelude: Vec<u8>,
    pub parts: PreludeParts,
    pub modules: ModuleBytecode,
    pub library: Arc<LibraryCode>,
}

/// Warren's own modules that are not built-ins a table can list: CommonJS, the
/// empty module a `browser` field's `false` stands for, and the built-ins' shared
/// errors.
const INTERNAL_MODULES: &[(&str, &str)] = &[
    (COMMONJS_MODULE, COMMONJS_SOURCE),
    (EMPTY_MODULE, "export default {};"),
    (NODE_ERRORS, NODE_ERRORS_SOURCE),
];

/// Compiles the prelude and every built-in module, once per engine: bytecode is
/// plain bytes, shared by every slot (and every replacement slot).
pub fn compile_host(table: &Arc<ModuleTable>) -> anyhow::Result<HostBytecode> {
    let library = Arc::new(LibraryCode::new(table.library().clone()));
    let compiled = with_compiler(AnyName, StubLoader, |ctx| -> Result<HostBytecode, String> {
        // Jobs' module names are read whole from the engine's strings: refuse to
        // start on an engine whose strings are laid out otherwise.
        if cstring::layout(ctx).is_none() {
            return Err("its strings are not laid out as Warren reads module names \
                    (runtime::cstring): was rquickjs upgraded?"
                .into());
        }
        let prelude = bytecode::compile_script(ctx, PRELUDE, "warren:prelude", Keep::CodeOnly)
            .catch(ctx)
            .map_err(|err| format!("prelude: {err}"))?;
        let mut parts = HashMap::new();
        for part in PARTS {
            let name = part.name;
            let keep = if part.debug {
                Keep::Debug
            } else {
                Keep::CodeOnly
            };
            let code = bytecode::compile_script(ctx, part.source, &format!("warren:{name}"), keep)
                .catch(ctx)
                .map_err(|err| format!("prelude part {name}: {err}"))?;
            parts.insert(name, code);
        }
        // Under the one name the resolver gives each (`registry::canonical`).
        let builtins = BUILTINS
            .iter()
            .map(|module| (module.names[0], module.source));
        let mut modules = HashMap::new();
        for (name, source) in builtins.chain(INTERNAL_MODULES.iter().copied()) {
            let source = reporting_evaluation(source, name);
            let code = bytecode::compile_module(ctx, &source, name)
                .catch(ctx)
                .map_err(|err| format!("module {name}: {err}"))?;
            modules.insert(name.to_owned(), code);
        }
        Ok(HostBytecode {
            prelude,
            parts: Arc::new(parts),
            modules: Arc::new(modules),
            library: library.clone(),
        })
    })?;
    compiled.map_err(|err| anyhow::anyhow!("Warren's own JS does not compile: {err}"))
}
