//! Warren's own JS, compiled once per engine: the prelude, its parts, every built-in
//! module and the operator's library. Bytecode is plain bytes, shared by every slot
//! (and handed to every sandbox process).

use std::collections::HashMap;
use std::sync::Arc;

use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::{CatchResultExt, Ctx};

use super::throwaway::with_compiler;
use crate::sandbox::globals::{PARTS, PRELUDE, PreludeParts};
use crate::sandbox::modules::ModuleTable;
use crate::sandbox::modules::loader::{BuiltinLoader, ModuleBytecode};
use crate::sandbox::modules::registry::BUILTINS;
use crate::sandbox::runtime::bytecode::{self, Keep};
use crate::sandbox::runtime::cstring;

/// Bytecode of Warren's own JS: the prelude, its lazily loaded parts, and the
/// built-in and operator modules (by the names the loader knows them by).
pub struct HostBytecode {
    pub prelude: Vec<u8>,
    pub parts: PreludeParts,
    pub modules: ModuleBytecode,
}

/// Compiles the prelude, every built-in module and the operator's library, once per
/// engine: bytecode is plain bytes, shared by every slot (and every replacement slot).
pub fn compile_host(table: &Arc<ModuleTable>) -> anyhow::Result<HostBytecode> {
    let empty: ModuleBytecode = Arc::default();
    // Imports of these modules are checked when a job links them, against the table
    // and relative to the importing file; here any name compiles.
    let compiled = with_compiler(
        AnyName,
        BuiltinLoader::new(empty),
        |ctx| -> Result<HostBytecode, String> {
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
                let code =
                    bytecode::compile_script(ctx, part.source, &format!("warren:{name}"), keep)
                        .catch(ctx)
                        .map_err(|err| format!("prelude part {name}: {err}"))?;
                parts.insert(name, code);
            }
            let mut modules = HashMap::new();
            for module in BUILTINS {
                for &name in module.names {
                    let code = bytecode::compile_module(ctx, module.source, name)
                        .catch(ctx)
                        .map_err(|err| format!("module {name}: {err}"))?;
                    modules.insert(name.to_owned(), code);
                }
            }
            Ok(HostBytecode {
                prelude,
                parts: Arc::new(parts),
                modules: Arc::new(modules),
            })
        },
    )?;
    let mut compiled =
        compiled.map_err(|err| anyhow::anyhow!("Warren's own JS does not compile: {err}"))?;
    let mut modules = HashMap::clone(&compiled.modules);
    for (name, source) in table.library().modules() {
        // Each in a runtime of its own, its imports stubbed: compiling declares the
        // modules a module imports, and they are only really resolved (against the
        // table, relative to this file) when a job links it.
        let code = with_compiler(AnyName, StubLoader, |ctx| {
            bytecode::compile_module(ctx, source, &name)
                .catch(ctx)
                .map_err(|err| err.to_string())
        })?
        .map_err(|err| anyhow::anyhow!("operator module {name} does not compile: {err}"))?;
        modules.insert(name, code);
    }
    compiled.modules = Arc::new(modules);
    Ok(compiled)
}

/// Declares every import as an empty module (compiling operator modules).
struct StubLoader;

impl Loader for StubLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<rquickjs::Module<'js, rquickjs::module::Declared>> {
        rquickjs::Module::declare(ctx.clone(), name, "")
    }
}

/// Resolves every name as written (compiling Warren's and the operator's modules).
struct AnyName;

impl Resolver for AnyName {
    fn resolve<'js>(
        &mut self,
        _ctx: &Ctx<'js>,
        _base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        Ok(name.to_owned())
    }
}
