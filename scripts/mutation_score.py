"""The mutation score per module from mutmut's results in mutants/ (`make mutation` prints it; docs/TESTING.md).

Score = killed / (killed + survived + no tests): a mutant no selected test reaches counts as surviving, since
nothing would notice it. Timeouts count as killed (the mutant hangs, a test run would notice). Mutants not
checked yet (a run narrowed with MUTANTS=...) are left out and counted in their own column.
"""
import json
import sys
from collections import Counter
from pathlib import Path

KILLED, SURVIVED, NO_TESTS, UNCHECKED = "killed", "survived", "no tests", "not checked"
STATUS = {1: KILLED, 3: KILLED, 36: KILLED, 24: KILLED, -24: KILLED, 152: KILLED, 255: KILLED,
          0: SURVIVED, 5: NO_TESTS, 33: NO_TESTS, None: UNCHECKED}


def module_counts(root: Path) -> dict[str, Counter]:
    counts: dict[str, Counter] = {}
    for meta in sorted(root.rglob("*.py.meta")):
        exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
        if not exit_codes:
            continue
        module = str(meta.relative_to(root)).removesuffix(".meta")
        counts[module] = Counter(STATUS.get(code, "other") for code in exit_codes.values())
    return counts


def score(c: Counter) -> float | None:
    checked = c[KILLED] + c[SURVIVED] + c[NO_TESTS]
    return 100 * c[KILLED] / checked if checked else None


def main(root: Path = Path("mutants")) -> int:
    counts = module_counts(root)
    if not counts:
        print("No mutmut results in mutants/: run `make mutation` first.")
        return 1
    print(f"{'module':40} {'mutants':>7} {'killed':>7} {'survived':>8} {'no tests':>8} {'unchecked':>9} {'score':>6}")
    total = Counter()
    for module, c in counts.items():
        total += c
        s = score(c)
        print(f"{module:40} {sum(c.values()):7} {c[KILLED]:7} {c[SURVIVED]:8} {c[NO_TESTS]:8} {c[UNCHECKED]:9} "
              f"{'' if s is None else f'{s:5.1f}%':>6}")
    s = score(total)
    print(f"{'total':40} {sum(total.values()):7} {total[KILLED]:7} {total[SURVIVED]:8} {total[NO_TESTS]:8} "
          f"{total[UNCHECKED]:9} {'' if s is None else f'{s:5.1f}%':>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("mutants")))
