//! No import cycles between the modules of the library crates (the testkit's included): each crate reads as layers
//! (README, "Layout"), so every module can be understood from the ones it uses.
//!
//! The graph is one node per source file (a module), and an edge wherever a file uses
//! another module: a `use` (re-exports included) or a path in code (`crate::a::b::f()`,
//! `super::x::Y`), resolved to the deepest module file it names. `mod x;` declarations
//! are not edges (a parent declaring a child does not use it), nor are macro paths or
//! test code (`tests.rs`, `tests/`, and inline `#[cfg(test)] mod tests`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use brokerhooks_testkit::local_secrets::repo_root;

/// The crates whose modules must not form cycles, by their `src` directory.
const CRATES: [&str; 6] = [
    "shared/src",
    "models/src",
    "claims/src",
    "logging/src",
    "consumer/src",
    "tests/src",
];

type Module = Vec<String>;

/// Every non-test module file of a crate, by its module path.
fn modules(src: &Path) -> BTreeMap<Module, PathBuf> {
    let mut found = BTreeMap::new();
    let mut pending = vec![src.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "tests" {
                    pending.push(path);
                }
                continue;
            }
            if !name.ends_with(".rs") || name == "tests.rs" {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap();
            let mut module: Module = relative
                .iter()
                .map(|part| part.to_string_lossy().trim_end_matches(".rs").to_owned())
                .collect();
            if matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module.pop();
            }
            found.insert(module, path);
        }
    }
    found
}

/// The file's code without comments, string-free enough for path scanning, and without
/// its inline test module.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => &text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path the code names: `use` trees expanded (`use a::{b, c::d}` gives `a::b` and
/// `a::c::d`), and `crate::…`/`super::…`/`self::…` paths elsewhere. Macro paths are left
/// out.
fn paths(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().next_back();
        let tail = &rest[at + 4..];
        rest = tail;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(end) = tail.find(';') else { break };
        expand_use_tree("", tail[..end].trim(), &mut found);
    }
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(start) {
            let begin = from + at;
            from = begin + start.len();
            if code[..begin]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
            {
                continue;
            }
            let end = code[begin..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |n| begin + n);
            if code[end..].starts_with('!') {
                continue;
            }
            found.push(code[begin..end].trim_end_matches(':').to_owned());
        }
    }
    found
}

fn expand_use_tree(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let head = join(prefix, head);
        let mut depth = 0;
        let mut start = 0;
        for (index, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand_use_tree(&head, &inner[start..index], out);
                    start = index + 1;
                }
                _ => {}
            }
        }
        expand_use_tree(&head, &inner[start..], out);
    } else if !tree.is_empty() {
        let path = tree.split(" as ").next().unwrap_or(tree).trim();
        out.push(join(prefix, path));
    }
}

fn join(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty()) {
        (true, _) => path.to_owned(),
        (_, true) => prefix.to_owned(),
        _ => format!("{prefix}::{path}"),
    }
}

/// The module file a path names, from the module `at`: its deepest prefix that is a
/// module of this crate. External crates and items at the crate root resolve to nothing.
fn resolve(path: &str, at: &Module, known: &BTreeMap<Module, PathBuf>) -> Option<Module> {
    let mut parts = path.split("::").filter(|p| !p.is_empty());
    let mut base: Module = match parts.next()? {
        "crate" => Vec::new(),
        "self" => at.clone(),
        "super" => {
            let mut base = at.clone();
            base.pop()?;
            base
        }
        _ => return None,
    };
    let mut rest: Vec<&str> = parts.collect();
    while rest.first() == Some(&"super") {
        base.pop()?;
        rest.remove(0);
    }
    let mut best = None;
    let mut candidate = base.clone();
    for part in rest {
        candidate.push(part.to_owned());
        if known.contains_key(&candidate) {
            best = Some(candidate.clone());
        }
    }
    best.filter(|module| module != at && !module.is_empty())
}

/// The cycles (strongly connected components of more than one module) of a graph.
fn cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    // Reachability by depth-first search from each node: small graphs, clarity first.
    let reach = |from: &Module| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(node) = stack.pop() {
            for next in graph.get(&node).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&Module, BTreeSet<Module>> =
        graph.keys().map(|node| (node, reach(node))).collect();
    let mut components: BTreeSet<Vec<Module>> = BTreeSet::new();
    for node in graph.keys() {
        let component: Vec<Module> = graph
            .keys()
            .filter(|other| reachable[node].contains(*other) && reachable[*other].contains(node))
            .cloned()
            .collect();
        if component.len() > 1 {
            components.insert(component);
        }
    }
    components.into_iter().collect()
}

fn graph_of(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let known = modules(src);
    known
        .iter()
        .map(|(module, path)| {
            let uses = paths(&code(path))
                .iter()
                .filter_map(|p| resolve(p, module, &known))
                .collect();
            (module.clone(), uses)
        })
        .collect()
}

#[test]
fn no_library_crate_has_an_import_cycle() {
    let mut found = Vec::new();
    for krate in CRATES {
        let graph = graph_of(&repo_root().join(krate));
        assert!(graph.len() > 1, "{krate}: modules found");
        for cycle in cycles(&graph) {
            let names: Vec<String> = cycle.iter().map(|m| m.join("::")).collect();
            found.push(format!("{krate}: {}", names.join(" <-> ")));
        }
    }
    assert!(found.is_empty(), "import cycles:\n{}", found.join("\n"));
}

#[test]
fn the_checker_sees_a_cycle_and_the_paths_it_must() {
    let mut expanded = Vec::new();
    expand_use_tree("", "crate::a::{b, c::{d as e, f}, self}", &mut expanded);
    assert_eq!(
        expanded,
        [
            "crate::a::b",
            "crate::a::c::d",
            "crate::a::c::f",
            "crate::a::self"
        ]
    );
    let code = "fn f() { crate::x::y(); super::z::W; crate::providers!(cb); }";
    assert_eq!(paths(code), ["crate::x::y", "super::z::W"]);
    let module = |parts: &[&str]| parts.iter().map(|p| (*p).to_owned()).collect::<Module>();
    let graph: BTreeMap<Module, BTreeSet<Module>> = [
        (module(&["a"]), BTreeSet::from([module(&["b"])])),
        (module(&["b"]), BTreeSet::from([module(&["a"])])),
        (module(&["c"]), BTreeSet::from([module(&["a"])])),
    ]
    .into();
    assert_eq!(cycles(&graph), [vec![module(&["a"]), module(&["b"])]]);
}
