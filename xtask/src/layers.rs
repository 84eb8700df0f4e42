//! The server's modules form no import cycle: `cargo xtask test` fails on the first one.
//!
//! Every `crate::`, `super::` and `self::` path in the crate's files (in `use` lines and in
//! code) is an arrow from the module it is written in to the module it names. Two modules are
//! compared at the level where their paths part: `routes::articles` naming `access::meter` is
//! an arrow from `routes` to `access`; `access::meter` naming `access::entitlement` is one
//! between those two inside `access`. A folder's own file (`mod.rs`, `lib.rs`) is a module of
//! its own beside its children, so an item kept there and used by them ties them in a circle
//! as surely as one kept in a sibling. Paths in macros (their tokens, `macro_rules!` bodies
//! included) count; paths in an inline `#[cfg(test)]` module do not: tests may use anything.
//!
//! `cargo modules dependencies --acyclic` answers the same question with rust-analyzer behind
//! it, at the cost of building rust-analyzer; these paths are all this crate's layout needs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// A module's path inside the crate: `["routes", "articles"]`.
type ModulePath = Vec<String>;

/// The name a folder's own file takes beside its children.
const OWN: &str = "(own)";

/// Modules that reach each other through their imports.
#[derive(Debug, PartialEq, Eq)]
pub struct Cycle {
    /// All of them.
    pub modules: Vec<String>,
    /// The shortest circle of arrows through the first, in order.
    pub shortest: Vec<String>,
    /// For each arrow of the shortest circle, a path that makes it: `file: crate::a::b`.
    pub because: Vec<String>,
}

/// The import cycles among the modules of the crate whose `lib.rs` is in `src`; empty if
/// there are none.
pub fn cycles(src: &Path) -> Result<Vec<Cycle>, String> {
    let mut files = Vec::new();
    collect(src, &mut files).map_err(|error| format!("reading {}: {error}", src.display()))?;
    let mut modules: BTreeSet<ModulePath> = BTreeSet::new();
    let mut parsed = Vec::new();
    for file in &files {
        let module = module_of(src, file);
        let text =
            std::fs::read_to_string(file).map_err(|error| format!("reading {}: {error}", file.display()))?;
        let syntax =
            syn::parse_file(&text).map_err(|error| format!("parsing {}: {error}", file.display()))?;
        modules.insert(module.clone());
        parsed.push((module, syntax));
    }
    let mut arrows: BTreeMap<ModulePath, BTreeSet<(String, String)>> = BTreeMap::new();
    let mut evidence: BTreeMap<(ModulePath, (String, String)), String> = BTreeMap::new();
    for ((module, syntax), file) in parsed.iter().zip(&files) {
        let mut paths = Paths { modules: &modules, module: module.clone(), found: Vec::new() };
        paths.visit_file(syntax);
        for (from, named) in paths.found {
            let to = longest_known(&modules, &named);
            if let Some((parent, arrow)) = arrow(&from, &to) {
                let file = file.strip_prefix(src).unwrap_or(file).display();
                let because = format!("{file}: {}", named.join("::"));
                evidence.entry((parent.clone(), arrow.clone())).or_insert(because);
                arrows.entry(parent).or_default().insert(arrow);
            }
        }
    }
    let mut found = Vec::new();
    for (parent, arrows) in arrows {
        let prefix = parent.iter().map(|part| format!("{part}::")).collect::<String>();
        let named =
            |modules: Vec<String>| modules.into_iter().map(|module| format!("{prefix}{module}")).collect();
        for group in strongly_connected(&arrows) {
            let shortest = shortest_cycle(&arrows, &group);
            let because = (0..shortest.len())
                .map(|at| {
                    let arrow = (shortest[at].clone(), shortest[(at + 1) % shortest.len()].clone());
                    evidence.get(&(parent.clone(), arrow)).cloned().unwrap_or_default()
                })
                .collect();
            found.push(Cycle { modules: named(group), shortest: named(shortest), because });
        }
    }
    Ok(found)
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, files)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    Ok(())
}

/// `lib.rs` → `[]`, `routes/mod.rs` → `["routes"]`, `routes/articles.rs` → `["routes", "articles"]`.
fn module_of(src: &Path, file: &Path) -> ModulePath {
    let relative = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: ModulePath =
        relative.components().map(|part| part.as_os_str().to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// The deepest module of the crate that `named` (a path from the crate's root) is in.
fn longest_known(modules: &BTreeSet<ModulePath>, named: &[String]) -> ModulePath {
    (0..=named.len())
        .rev()
        .map(|len| named[..len].to_vec())
        .find(|prefix| modules.contains(prefix))
        .unwrap_or_default()
}

/// The arrow `from` → `to` at the level where they part, and the module it is inside; none
/// for a module naming something of its own.
fn arrow(from: &ModulePath, to: &ModulePath) -> Option<(ModulePath, (String, String))> {
    let shared = from.iter().zip(to).take_while(|(a, b)| a == b).count();
    // A folder's own file is `(own)` beside its children.
    let side = |path: &ModulePath| path.get(shared).cloned().unwrap_or_else(|| OWN.to_owned());
    (from.len() != shared || to.len() != shared).then(|| (from[..shared].to_vec(), (side(from), side(to))))
}

/// The shortest circle of arrows through the first module of `group` (a group of modules
/// that reach each other, so there is one), without its return to the start.
fn shortest_cycle(arrows: &BTreeSet<(String, String)>, group: &[String]) -> Vec<String> {
    let start = &group[0];
    let mut came_from: BTreeMap<&String, &String> = BTreeMap::new();
    let mut frontier = std::collections::VecDeque::from([start]);
    while let Some(at) = frontier.pop_front() {
        for (_, to) in arrows.iter().filter(|(from, to)| from == at && group.contains(to)) {
            if to == start {
                let mut cycle = vec![at.clone()];
                while let Some(&before) = came_from.get(cycle.last().unwrap_or(start)) {
                    cycle.push(before.clone());
                }
                cycle.reverse();
                return cycle;
            }
            if !came_from.contains_key(to) {
                came_from.insert(to, at);
                frontier.push_back(to);
            }
        }
    }
    group.to_vec()
}

/// Every group of two or more modules that reach each other (Tarjan's algorithm), each in
/// the order a walk along its arrows meets them.
fn strongly_connected(arrows: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in arrows {
        next.entry(from).or_default().push(to);
        next.entry(to).or_default();
    }
    struct Walk<'a> {
        next: &'a BTreeMap<&'a str, Vec<&'a str>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        groups: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, node: &'a str) {
            let index = self.index.len();
            self.index.insert(node, index);
            self.low.insert(node, index);
            self.stack.push(node);
            for &to in &self.next[node] {
                if !self.index.contains_key(to) {
                    self.visit(to);
                    let low = self.low[node].min(self.low[to]);
                    self.low.insert(node, low);
                } else if self.stack.contains(&to) {
                    let low = self.low[node].min(self.index[to]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let at = self.stack.iter().rposition(|&member| member == node).unwrap_or(0);
                let group: Vec<String> = self.stack.drain(at..).map(str::to_owned).collect();
                if group.len() > 1 {
                    self.groups.push(group);
                }
            }
        }
    }
    let mut walk = Walk {
        next: &next,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        groups: Vec::new(),
    };
    for &node in next.keys() {
        if !walk.index.contains_key(node) {
            walk.visit(node);
        }
    }
    walk.groups
}

/// The paths a file names, each with the module it is written in (inline modules included).
struct Paths<'m> {
    modules: &'m BTreeSet<ModulePath>,
    module: ModulePath,
    found: Vec<(ModulePath, ModulePath)>,
}

impl Paths<'_> {
    /// `crate::a::b`, `super::b`, `self::b`, and `b::c` where `b` is a module inside this one,
    /// from the crate's root; `None` for paths that start anywhere else (another crate, a
    /// local name).
    fn resolve<'a>(&self, segments: impl Iterator<Item = &'a syn::Ident>) -> Option<ModulePath> {
        let segments: Vec<String> = segments.map(ToString::to_string).collect();
        self.resolve_names(&segments)
    }

    /// [`Self::resolve`] for names.
    fn resolve_names(&self, segments: &[String]) -> Option<ModulePath> {
        let (first, rest) = segments.split_first()?;
        let segments = rest.iter();
        let mut path = match first.as_str() {
            "crate" | "$crate" => Vec::new(),
            "self" => self.module.clone(),
            "super" => self.module[..self.module.len().saturating_sub(1)].to_vec(),
            // A path of one name is a local value or type, not a module.
            _ if rest.is_empty() => return None,
            child => {
                let mut path = self.module.clone();
                path.push(child.to_owned());
                if !self.modules.contains(&path) {
                    return None;
                }
                path
            }
        };
        for segment in segments {
            match segment.as_str() {
                "super" => {
                    path.pop();
                }
                "self" => {}
                name => path.push(name.to_owned()),
            }
        }
        Some(path)
    }

    fn note(&mut self, named: Option<ModulePath>) {
        if let Some(named) = named {
            self.found.push((self.module.clone(), named));
        }
    }

    /// The paths in a stream of tokens: `crate::a::b`, `$crate::a::b`, `super::b`, `self::b`.
    fn tokens(&mut self, tokens: proc_macro2::TokenStream) {
        let tokens: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
        let mut at = 0;
        while at < tokens.len() {
            match &tokens[at] {
                proc_macro2::TokenTree::Group(group) => self.tokens(group.stream()),
                proc_macro2::TokenTree::Ident(ident)
                    if ["crate", "super", "self"].contains(&ident.to_string().as_str()) =>
                {
                    let dollar = at > 0
                        && matches!(&tokens[at - 1], proc_macro2::TokenTree::Punct(punct) if punct.as_char() == '$');
                    let mut names = vec![if dollar { "$crate".to_owned() } else { ident.to_string() }];
                    // `::` is two `:` punctuation tokens, then a name.
                    while let (
                        Some(proc_macro2::TokenTree::Punct(a)),
                        Some(proc_macro2::TokenTree::Punct(b)),
                        Some(proc_macro2::TokenTree::Ident(name)),
                    ) = (tokens.get(at + 1), tokens.get(at + 2), tokens.get(at + 3))
                    {
                        if a.as_char() != ':' || b.as_char() != ':' {
                            break;
                        }
                        names.push(name.to_string());
                        at += 3;
                    }
                    if names.len() > 1 {
                        self.note(self.resolve_names(&names));
                    }
                }
                _ => {}
            }
            at += 1;
        }
    }

    /// Every full path of a `use` tree: `crate::{a, b::c}` → `crate::a`, `crate::b::c`.
    fn use_tree(&mut self, prefix: &mut Vec<syn::Ident>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.clone());
                self.use_tree(prefix, &path.tree);
                prefix.pop();
            }
            syn::UseTree::Name(name) => {
                prefix.push(name.ident.clone());
                self.note(self.resolve(prefix.iter()));
                prefix.pop();
            }
            syn::UseTree::Rename(rename) => {
                prefix.push(rename.ident.clone());
                self.note(self.resolve(prefix.iter()));
                prefix.pop();
            }
            syn::UseTree::Glob(_) => self.note(self.resolve(prefix.iter())),
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    self.use_tree(prefix, tree);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Paths<'_> {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.note(self.resolve(path.segments.iter().map(|segment| &segment.ident)));
        syn::visit::visit_path(self, path);
    }

    // What a macro is given (`format!`, `html!`, `sqlx::query!`) or a `macro_rules!` body
    // holds is tokens, not syntax: the paths in them are read from the tokens.
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_path(&mac.path);
        self.tokens(mac.tokens.clone());
    }

    // `pub(crate)` and `pub(super)` say who may use an item, not what it uses.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        // A module's tests may use whatever they test, and anything else.
        let is_test = item.attrs.iter().any(|attr| {
            attr.path().is_ident("cfg") && attr.parse_args::<syn::Ident>().is_ok_and(|ident| ident == "test")
        });
        if is_test || item.content.is_none() {
            return;
        }
        self.module.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.module.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shortest(dir: &tempdir::Dir) -> Vec<Vec<String>> {
        cycles(&dir.0).unwrap().into_iter().map(|cycle| cycle.shortest).collect()
    }

    fn crate_of(files: &[(&str, &str)]) -> tempdir::Dir {
        let dir = tempdir::Dir::new();
        for (path, text) in files {
            let path = dir.0.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    mod tempdir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Self {
                static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
                let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let dir = std::env::temp_dir().join(format!("xtask-layers-{}-{n}", std::process::id()));
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir).unwrap();
                Dir(dir)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn layers_without_a_circle_pass() {
        let dir = crate_of(&[
            ("lib.rs", "mod a; mod b; pub use a::A;"),
            ("a.rs", "pub struct A; use crate::b::B;"),
            ("b/mod.rs", "mod c; pub struct B(crate::b::c::C);"),
            ("b/c.rs", "pub struct C;"),
        ]);
        assert_eq!(cycles(&dir.0).unwrap(), Vec::<Cycle>::new());
    }

    #[test]
    fn a_circle_through_a_use_group_is_found() {
        let dir = crate_of(&[
            ("lib.rs", "mod a; mod b; mod c;"),
            ("a.rs", "use crate::{b::B, c};"),
            ("b.rs", "pub struct B;"),
            ("c.rs", "fn f() { crate::a::g(); }"),
        ]);
        assert_eq!(shortest(&dir), [["a", "c"]]);
    }

    #[test]
    fn an_item_in_the_roots_own_file_ties_its_users_in() {
        // `State` in lib.rs, built of `a`'s parts and used by `a`: the circle the server had.
        let dir = crate_of(&[
            ("lib.rs", "mod a; pub struct State(a::Part);"),
            ("a.rs", "pub struct Part; fn f(_: crate::State) {}"),
        ]);
        assert_eq!(shortest(&dir), [["(own)", "a"]]);
    }

    #[test]
    fn circles_inside_a_folder_are_found_by_super() {
        let dir = crate_of(&[
            ("lib.rs", "mod routes;"),
            ("routes/mod.rs", "mod x; mod y;"),
            ("routes/x.rs", "use super::y::Y; pub struct X;"),
            ("routes/y.rs", "pub struct Y; fn f(_: self::super::x::X) {}"),
        ]);
        assert_eq!(shortest(&dir), [["routes::x", "routes::y"]]);
    }

    #[test]
    fn paths_inside_macros_count() {
        // A macro_rules! body in `b` naming `a`, which uses `b`: a circle only the tokens show.
        let dir = crate_of(&[
            ("lib.rs", "mod a; mod b;"),
            ("a.rs", "use crate::b::emit;"),
            ("b.rs", "macro_rules! emit { () => { $crate::a::helper() }; } pub(crate) use emit;"),
        ]);
        assert_eq!(shortest(&dir), [["a", "b"]]);
        let dir = crate_of(&[
            ("lib.rs", "mod a; mod b;"),
            ("a.rs", "use crate::b::B;"),
            ("b.rs", "pub struct B; fn f() { println!(\"{}\", crate::a::NAME); }"),
        ]);
        assert_eq!(shortest(&dir), [["a", "b"]]);
    }

    #[test]
    fn a_local_named_like_a_module_is_not_the_module() {
        let dir = crate_of(&[
            ("lib.rs", "mod a; mod b;"),
            ("a.rs", "use crate::b::B;"),
            ("b.rs", "pub struct B; fn f(a: u8) -> u8 { a }"),
        ]);
        assert_eq!(shortest(&dir), Vec::<Vec<String>>::new());
    }

    #[test]
    fn tests_may_use_anything() {
        let dir = crate_of(&[
            ("lib.rs", "mod a; mod b;"),
            ("a.rs", "use crate::b::B;"),
            ("b.rs", "pub(crate) struct B; #[cfg(test)] mod tests { use crate::a; }"),
        ]);
        assert_eq!(cycles(&dir.0).unwrap(), Vec::<Cycle>::new());
    }
}
