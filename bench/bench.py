"""How fast migrator is, where users meet it and on whole codebases (a script to run by hand,
never a test).

    python bench/bench.py [--rounds 5] [--jobs N] [--copies 20] [--skip-small | --small-only]
                          [--skip-apply | --apply-only]
    python bench/bench.py --instructions

1. `check` next to `ruff check --select UP` on a tree made of the Python standard library and
   the site-packages of this environment (the openai SDK there is full of look-alike strings:
   `completions`, `ChatCompletion`, `finish_reason`), copied under a temporary directory and
   renamed so that neither tool skips it as installed code. The two run alternately, several
   rounds, from a fresh process each; the figure is the median wall time. ruff runs with
   --no-cache: migrator keeps no cache, so both start cold.
2. `apply` on a few hundred files that all need migrating (every fixture's before.py that has
   an after.py, copied many times), in files per second and as a multiple of the time LibCST
   alone takes to parse the same files (one core, in a process of its own), measured in the
   same round (each round: LibCST's parse, the engine alone, `apply --jobs 1`, `apply` on all
   cores).
3. Where users meet it, each next to ruff in the same round (alternately, fresh processes,
   medians of `--small-rounds` runs): `check` on one file without triggers (`x = 1`, what a
   pre-commit hook sees in most commits), on one file with calls to migrate (bench/agent.py),
   and on a generated project of a few hundred files with a handful that call the model. Then,
   when pre-commit is installed, the `migrator-check` hook of .pre-commit-hooks.yaml on a
   ten-file commit, next to a ruff hook run the same way.

4. With --instructions (needs valgrind), a figure that does not drift with the machine's load: the
   instructions the engine executes on the fixtures (once each, after a warm-up), as a multiple of
   those LibCST's parse of the same files executes, counted by valgrind's callgrind; each count is
   a run's total minus that of a run doing only the setup.

migrator's modules are compiled to bytecode before anything is timed, as `pip install` compiles
them: in an editable install under PYTHONDONTWRITEBYTECODE=1 (as in some sandboxes and CI
images) nothing would ever write it, and every run would compile the whole package again (some
0.2 s, which no installed copy pays).

Peak memory: the resident set of the largest process (wait4) and, on Linux, the sum over the
process and its workers (proportional set sizes, so pages a forked worker shares with its parent
count once), sampled every 20 ms from /proc. Targets are printed next to the figures.
Requires ruff (`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

TARGET_CHECK_RATIO = 1.0
TARGET_APPLY_MULTIPLE = 3.0
TARGET_INSTRUCTIONS_MULTIPLE = 3.0
TARGET_MEMORY_MB = 500
#: `check` over `ruff check --select UP` on the same input, where users meet it.
TARGET_ONE_FILE_WITHOUT_TRIGGERS = 15.0
TARGET_ONE_FILE_TO_MIGRATE = 45.0
TARGET_SMALL_PROJECT = 4.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=None, help="migrator --jobs (default: all cores)")
    parser.add_argument("--copies", type=int, default=20, help="copies of each fixture for the apply figure")
    parser.add_argument("--keep", action="store_true", help="keep the temporary trees")
    parser.add_argument("--migrator-args", default="", help="more options for `migrator check`, e.g. '--ignore RSP015'")
    parser.add_argument("--skip-apply", action="store_true")
    parser.add_argument("--apply-only", action="store_true", help="only the apply figures (no check against ruff)")
    parser.add_argument("--instructions", action="store_true", help="only the instruction counts (valgrind)")
    parser.add_argument("--small-rounds", type=int, default=15, help="rounds of the one-file and project figures")
    parser.add_argument("--skip-small", action="store_true", help="no one-file, project or pre-commit figures")
    parser.add_argument("--small-only", action="store_true", help="only the one-file, project and pre-commit figures")
    args = parser.parse_args()
    if args.instructions:
        bench_instructions()
        return
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists() and not args.apply_only:
        sys.exit("ruff not found: pip install -e '.[bench]'")
    workdir = Path(tempfile.mkdtemp(prefix="migrator-bench-"))
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, migrator --jobs {args.jobs or 'all cores'}")
    print(f"machine: {os.getloadavg()[0]:.1f} load average; {core_check()}")
    print(compile_bytecode())
    try:
        if not args.apply_only and not args.skip_small:
            bench_small(workdir / "small", ruff, [*jobs, *args.migrator_args.split()], args.small_rounds)
            bench_pre_commit(workdir / "pre-commit", ruff, args.small_rounds)
        if args.small_only:
            return
        if not args.apply_only:
            bench_check(workdir / "tree", ruff, [*jobs, *args.migrator_args.split()], args.rounds)
        if not args.skip_apply:
            bench_apply(workdir / "apply", jobs, args.rounds, args.copies)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def core_check() -> str:
    """How many cores are really free: the same pure-Python work in one process, then in two."""
    import multiprocessing

    def timed(processes: int) -> float:
        start = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(processes) as workers:
            workers.map(_burn, [10_000_000] * processes)
        return time.perf_counter() - start

    one, two = timed(1), timed(2)
    return f"2 processes doing 2x the work of 1 take {two / one:.2f}x its time (1.0: two free cores)"


def _burn(count: int) -> int:
    return sum(i * i for i in range(count))


def compile_bytecode() -> str:
    """Compile migrator's modules as `pip install` does (see the module's docstring)."""
    import compileall

    compileall.compile_dir(ROOT / "migrator", quiet=1)
    unset = "" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "un"
    return f"bytecode: migrator's modules compiled first, as pip install does (PYTHONDONTWRITEBYTECODE {unset}set)"


# --- check versus ruff ---------------------------------------------------------------------------


def build_tree(tree: Path) -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    site = Path(sysconfig.get_paths()["purelib"])
    ignore = shutil.ignore_patterns("__pycache__", "site-packages", "*.pyc")
    shutil.copytree(stdlib, tree / "stdlib", ignore=ignore, symlinks=True)
    shutil.copytree(site, tree / "packages", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), symlinks=True)


def bench_check(tree: Path, ruff: str, jobs: list[str], rounds: int) -> None:
    build_tree(tree)
    python_files = [p for p in tree.rglob("*.py") if p.is_file()]
    lines = sum(p.read_bytes().count(b"\n") for p in python_files)
    megabytes = sum(p.stat().st_size for p in python_files) / 1e6
    print(f"\n== check: {len(python_files)} Python files, {lines:,} lines, {megabytes:.0f} MB ({tree})")
    print(f"   migrator options: {' '.join(jobs) or '(none)'}")
    commands = {
        "migrator check": [sys.executable, "-m", "migrator", "check", "--quiet", *jobs, "."],
        "ruff check --select UP": [ruff, "check", "--select", "UP", "--no-cache", "--exit-zero", "--quiet", "."],
    }
    runs = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():  # alternately, so both see the same machine load
            runs[name].append(measure(command, tree))
    summary = migrator_summary(tree, jobs)
    print(f"   migrator: {summary}")
    for name, measured in runs.items():
        print_runs(name, measured)
    ratio = median(runs["migrator check"]) / median(runs["ruff check --select UP"])
    verdict(f"check / ruff median wall ratio: {ratio:.2f}", ratio <= TARGET_CHECK_RATIO, f"<= {TARGET_CHECK_RATIO}")
    for name, measured in runs.items():
        peak = max(m["total_mb"] for m in measured)
        verdict(f"{name} peak memory: {peak:.0f} MB", peak < TARGET_MEMORY_MB, f"< {TARGET_MEMORY_MB} MB")


def migrator_summary(tree: Path, options: list[str], path: str = ".") -> str:
    done = subprocess.run(
        [sys.executable, "-m", "migrator", "check", *options, path],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "(no summary)"


# --- where users meet it: a commit's files, a small repository ------------------------------------

#: The one file with calls to migrate: an agent's module that talks to the model.
AGENT = Path(__file__).resolve().parent / "agent.py"
#: Folders of the standard library left out of the generated project: codec tables (a hundred
#: files alike), tests, and code no application holds.
_NOT_APPLICATION_CODE = {
    "encodings", "test", "tests", "idlelib", "lib2to3", "tkinter", "turtledemo", "ensurepip", "venv", "site-packages",
}  # fmt: skip


def build_project(project: Path) -> int:
    """A generated application of a few hundred files, a handful of which call the model: the
    standard library's modules of 30 to 400 lines (its codec tables, tests and tools left out)
    as the ordinary code, in their packages under src/; the demo's support_bot package and
    bench/agent.py as the modules that use OpenAI, and a script that runs them; a README, a
    pyproject.toml and a .env. Returns the number of Python files."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for source in sorted(stdlib.rglob("*.py")):
        relative = source.relative_to(stdlib)
        if _NOT_APPLICATION_CODE & set(relative.parts) or relative.parts[0].startswith("config-"):
            continue
        if 30 <= source.read_bytes().count(b"\n") <= 400:
            target = project / "src" / "app" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    for package in {p.parent for p in (project / "src").rglob("*.py")}:
        (package / "__init__.py").touch()
    shutil.copytree(FIXTURES / "demo" / "support_bot", project / "src" / "assistant", dirs_exist_ok=True)
    shutil.copyfile(AGENT, project / "src" / "assistant" / "agent.py")
    (project / "scripts").mkdir()
    shutil.copyfile(FIXTURES / "demo" / "run.py", project / "scripts" / "run_bot.py")
    shutil.copyfile(FIXTURES / "demo" / "README.md", project / "README.md")
    (project / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "1.0"\n')
    (project / ".env").write_text("DASHSCOPE_BASE_URL=https://dashscope.aliyuncs.com/compatible-mode/v1\n")
    return sum(1 for _ in project.rglob("*.py"))


def bench_small(workdir: Path, ruff: str, options: list[str], rounds: int) -> None:
    """`check` where users meet it, each input next to ruff, alternately in the same rounds."""
    workdir.mkdir(parents=True)
    (workdir / "plain.py").write_text("x = 1\n")
    shutil.copyfile(AGENT, workdir / "agent.py")
    files = build_project(workdir / "project")
    lines = sum(p.read_bytes().count(b"\n") for p in (workdir / "project").rglob("*.py"))
    cases = [
        ("one file without triggers (x = 1)", workdir, "plain.py", TARGET_ONE_FILE_WITHOUT_TRIGGERS),
        (f"one file with calls to migrate ({AGENT.name})", workdir, "agent.py", TARGET_ONE_FILE_TO_MIGRATE),
        (f"a project of {files} Python files, {lines:,} lines", workdir / "project", ".", TARGET_SMALL_PROJECT),
    ]
    print(f"\n== where users meet it: check next to ruff, median of {rounds} runs each, alternately")
    print(f"   migrator options: {' '.join(options) or '(none)'}")
    for name, cwd, path, target in cases:
        commands = {
            "migrator": [sys.executable, "-m", "migrator", "check", "--quiet", "--exit-zero", *options, path],
            "ruff": [ruff, "check", "--select", "UP", "--no-cache", "--exit-zero", "--quiet", path],
        }
        runs: dict[str, list[dict]] = {tool: [] for tool in commands}
        for _ in range(rounds):
            for tool, command in commands.items():
                runs[tool].append(measure(command, cwd))
        print(f"   {name}: {migrator_summary(cwd, options, path)}")
        for tool, measured in runs.items():
            print_runs(tool, measured)
        ratio = median(runs["migrator"]) / median(runs["ruff"])
        verdict(f"{name}: {ratio:.1f}x ruff", ratio <= target, f"<= {target:g}x")


def commit_files(project: Path) -> list[str]:
    """The ten files of a typical commit: eight modules of ordinary code (spread over the
    project) and two that call the model."""
    ordinary = sorted(p.relative_to(project).as_posix() for p in (project / "src" / "app").rglob("*.py"))
    return [*ordinary[:: len(ordinary) // 8][:8], "src/assistant/agent.py", "src/assistant/classify.py"]


def bench_pre_commit(workdir: Path, ruff: str, rounds: int) -> None:
    """The hooks as a commit runs them: pre-commit installs this repository's migrator-check hook
    (.pre-commit-hooks.yaml, from a snapshot of this working tree) into its own environment, and
    runs it on ten staged files; a ruff hook (`ruff check --select UP`, as ruff's own hook runs
    it) on the same files. Wall time of `pre-commit run <hook>` and the hook's own duration."""
    pre_commit = subprocess.run([sys.executable, "-m", "pre_commit", "--version"], capture_output=True, check=False)
    if shutil.which("git") is None or pre_commit.returncode:
        print("\n== pre-commit: not installed, skipped")
        return
    hooks = _hook_repository(workdir / "hooks")
    work = workdir / "work"
    build_project(work)
    commit = commit_files(work)
    _git(work, "init", "-q")
    _git(work, "add", *commit)
    revision = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hooks, capture_output=True, text=True, check=True
    ).stdout.strip()
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n"
        f"  - repo: {hooks}\n"
        f"    rev: {revision}\n"
        f"    hooks:\n"
        f"      - id: migrator-check\n"
        f"  - repo: local\n"
        f"    hooks:\n"
        f"      - id: ruff\n"
        f"        name: ruff check --select UP\n"
        f"        entry: {ruff} check --force-exclude --no-cache --select UP\n"
        f"        language: system\n"
        f"        types_or: [python, pyi, jupyter]\n"
        f"        require_serial: true\n"
    )
    env = {**os.environ, "PRE_COMMIT_HOME": str(workdir / "home"), "NO_COLOR": "1"}
    installed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install-hooks"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if installed.returncode:
        print(f"\n== pre-commit: could not install the hooks, skipped\n{installed.stdout[-1500:]}{installed.stderr}")
        return
    print(f"\n== pre-commit on a commit of {len(commit)} files (2 call the model), median of {rounds} runs each")
    walls: dict[str, list[float]] = {"migrator-check": [], "ruff": []}
    durations: dict[str, list[float]] = {"migrator-check": [], "ruff": []}
    for _ in range(rounds):
        for hook, wall in walls.items():
            command = [sys.executable, "-m", "pre_commit", "run", hook, "--verbose", "--color", "never"]
            start = time.perf_counter()
            done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, check=False)
            wall.append(time.perf_counter() - start)
            found = re.search(r"- duration: ([\d.]+)s", done.stdout)
            durations[hook].append(float(found.group(1)) if found else float("nan"))
    for hook, wall in walls.items():
        print(
            f"   {hook}: `pre-commit run` median {statistics.median(wall):.2f} s, "
            f"the hook itself {statistics.median(durations[hook]):.2f} s (runs: {_list(wall)})"
        )
    ratio = statistics.median(durations["migrator-check"]) / statistics.median(durations["ruff"])
    print(f"   migrator-check / ruff, the hooks' own durations: {ratio:.1f}x")


def _hook_repository(target: Path) -> Path:
    """A git repository holding this working tree as it is now (what pre-commit installs)."""
    shutil.copytree(ROOT / "migrator", target / "migrator", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, target / name)
    _git(target, "init", "-q")
    _git(target, "add", "-A")
    _git(target, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-q", "-m", "hooks")
    return target


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


# --- apply ---------------------------------------------------------------------------------------


def apply_sources() -> list[Path]:
    """Every fixture case that changes under apply (it has an after.py), and the demo."""
    cases = [p for p in sorted(FIXTURES.glob("*/*/before.py")) if (p.parent / "after.py").exists()]
    return cases + sorted((FIXTURES / "demo").rglob("*.py"))


def build_apply_tree(tree: Path, sources: list[Path], copies: int) -> list[Path]:
    made = []
    for copy in range(copies):
        for index, source in enumerate(sources):
            target = tree / f"copy{copy:02}" / f"{source.parent.name}_{index:03}.py"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            made.append(target)
    return made


def bench_apply(workdir: Path, jobs: list[str], rounds: int, copies: int) -> None:
    sources = apply_sources()
    pristine = workdir / "pristine"
    made = build_apply_tree(pristine, sources, copies)
    texts = [p.read_text() for p in made]
    lines = sum(t.count("\n") for t in texts)
    print(f"\n== apply: {len(made)} files that need migrating ({len(sources)} fixtures x {copies}), {lines:,} lines")
    # The parse baseline is measured again in every round, right before that round's runs, and
    # each run is divided by its own round's baseline: a shared machine's speed drifts by more
    # than the differences measured here over the minutes a benchmark takes.
    runs = {"migrator apply --jobs 1": ["--jobs", "1"], f"migrator apply {' '.join(jobs) or '(all cores)'}": jobs}
    parse, engine = [], []
    results = {name: [] for name in runs}
    multiples = {name: [] for name in ["migrate_source (the engine alone)", *runs]}
    changed = None
    for _ in range(rounds):
        parse.append(_timed_alone("parse", pristine))
        engine.append(_timed_alone("engine", pristine))
        multiples["migrate_source (the engine alone)"].append(engine[-1] / parse[-1])
        for name, options in runs.items():
            tree = workdir / "run"
            shutil.rmtree(tree, ignore_errors=True)
            shutil.copytree(pristine, tree)
            command = [sys.executable, "-m", "migrator", "apply", "--quiet", *options, "."]
            results[name].append(measure(command, tree))
            multiples[name].append(results[name][-1]["wall"] / parse[-1])
            changed = sum(
                a.read_bytes() != b.read_bytes()
                for a, b in zip(sorted(pristine.rglob("*.py")), sorted(tree.rglob("*.py")))
            )
    print(f"   LibCST parse_module, 1 core: median {statistics.median(parse):.2f} s (runs: {_list(parse)})")
    print(
        f"   migrate_source (the engine alone), 1 core: median {statistics.median(engine):.2f} s "
        f"(runs: {_list(engine)})"
    )
    print(f"   files changed by apply: {changed} of {len(made)}")
    for name, measured in results.items():
        print_runs(name, measured, files=len(made))
    print("   each round's time over the same round's LibCST parse time, median of the rounds:")
    for name, ratios in multiples.items():
        multiple = statistics.median(ratios)
        verdict(
            f"{name}: {multiple:.2f}x LibCST parse time",
            multiple <= TARGET_APPLY_MULTIPLE,
            f"<= {TARGET_APPLY_MULTIPLE}x",
        )
    for name, measured in results.items():
        peak = max(m["total_mb"] for m in measured)
        verdict(f"{name} peak memory: {peak:.0f} MB", peak < TARGET_MEMORY_MB, f"< {TARGET_MEMORY_MB} MB")


#: LibCST's parse, or the engine, on every file of a tree, one core, timed after a first call
#: (imports and first-use setup are not what is measured). In a process of its own: the memory
#: it takes would otherwise stay with this one and count in the peak of every process it starts.
_ALONE = """
import sys, time
from pathlib import Path
texts = [p.read_text() for p in sorted(Path(sys.argv[2]).rglob("*.py"))]
if sys.argv[1] == "parse":
    from libcst import parse_module as work
else:
    from migrator.engine.core import migrate_source as work
work(texts[0])
start = time.perf_counter()
for text in texts:
    work(text)
print(time.perf_counter() - start)
"""


def _timed_alone(kind: str, tree: Path) -> float:
    done = subprocess.run([sys.executable, "-c", _ALONE, kind, str(tree)], capture_output=True, text=True, check=True)
    return float(done.stdout)


def _list(seconds: list[float]) -> str:
    return " ".join(f"{s:.2f}" for s in seconds)


# --- instructions --------------------------------------------------------------------------------

#: The setup (imports, a warm-up over the first files) in every run, then the work of one kind.
_COUNTED = """
import sys
from pathlib import Path
import libcst
from migrator.engine import migrate_source
texts = [p.read_text() for p in sorted(Path(sys.argv[2]).rglob("*.py"))]
for text in texts[:30]:
    migrate_source(text)
if sys.argv[1] == "parse":
    for text in texts:
        libcst.parse_module(text)
elif sys.argv[1] == "engine":
    for text in texts:
        migrate_source(text)
"""


def bench_instructions() -> None:
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        sys.exit("--instructions needs valgrind")
    with tempfile.TemporaryDirectory(prefix="migrator-bench-") as workdir:
        made = build_apply_tree(Path(workdir), apply_sources(), 1)
        print(f"\n== instructions (valgrind callgrind): {len(made)} files that need migrating, each once")
        counts = {kind: _instructions(valgrind, kind, Path(workdir)) for kind in ("setup", "parse", "engine")}
    parse = counts["parse"] - counts["setup"]
    engine = counts["engine"] - counts["setup"]
    print(f"   LibCST parse_module: {parse / 1e9:.2f} G instructions")
    verdict(
        f"migrate_source (the engine alone): {engine / 1e9:.2f} G, {engine / parse:.2f}x the parse",
        engine / parse <= TARGET_INSTRUCTIONS_MULTIPLE,
        f"<= {TARGET_INSTRUCTIONS_MULTIPLE}x",
    )


def _instructions(valgrind: str, kind: str, tree: Path) -> int:
    done = subprocess.run(
        [
            valgrind,
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-c",
            _COUNTED,
            kind,
            str(tree),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"Collected : (\d+)", done.stderr)
    if match is None:
        sys.exit(f"valgrind printed no count:\n{done.stderr[-2000:]}")
    return int(match.group(1))


# --- measuring -----------------------------------------------------------------------------------


def measure(command: list[str], cwd: Path) -> dict:
    """Wall seconds; peak RSS of the largest process (wait4) and of the process tree (sampled)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sampler = TreeMemory(process.pid)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    sampler.stop()
    largest_mb = usage.ru_maxrss / (1024 if sys.platform != "darwin" else 1024 * 1024)
    return {
        "wall": wall,
        "largest_mb": largest_mb,
        "total_mb": sampler.peak_mb or largest_mb,
        "exit": process.returncode,
    }


class TreeMemory(threading.Thread):
    """The summed memory (PSS) of a process and its descendants, sampled from /proc (Linux only)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_mb = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            self.peak_mb = max(self.peak_mb, sum(_rss_mb(pid) for pid in _tree(self.pid)))

    def stop(self) -> None:
        self.done.set()
        self.join()


def _tree(pid: int) -> list[int]:
    pids, index = [pid], 0
    while index < len(pids):
        try:
            for task in Path(f"/proc/{pids[index]}/task").iterdir():
                pids += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            pass
        index += 1
    return pids


def _rss_mb(pid: int) -> float:
    """The proportional set size: pages shared by forked workers count once across the tree
    (summing RSS would count the parent's pages again in every worker); RSS where PSS is missing."""
    for name, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            for line in Path(name).read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1]) / 1024
        except OSError:
            continue
    return 0.0


def median(measured: list[dict]) -> float:
    return statistics.median(m["wall"] for m in measured)


def print_runs(name: str, measured: list[dict], files: int | None = None) -> None:
    walls = " ".join(f"{m['wall']:.2f}" for m in measured)
    rate = f", {files / median(measured):.0f} files/s" if files else ""
    largest = max(m["largest_mb"] for m in measured)
    total = max(m["total_mb"] for m in measured)
    exits = sorted({m["exit"] for m in measured})
    print(
        f"   {name}: median {median(measured):.2f} s{rate} (runs: {walls}); "
        f"peak memory {largest:.0f} MB largest process (RSS), {total:.0f} MB all processes (PSS); exit {exits}"
    )


def verdict(figure: str, met: bool, target: str) -> None:
    print(f"   {figure:<58} target {target:<10} {'met' if met else 'NOT MET'}")


if __name__ == "__main__":
    main()
