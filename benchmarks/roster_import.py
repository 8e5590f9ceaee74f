"""How long a roster import takes, and how many SQL statements it sends per person, on a
fresh SQLite database: a new class, then the same file again (everyone already there).

    python benchmarks/roster_import.py [--people 5000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader.course_admin import create_course  # noqa: E402
from grader.courses import Course  # noqa: E402
from grader.db import Database, upgrade  # noqa: E402
from grader.roster import import_roster, parse  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    args = parser.parse_args()
    text = "name,login,email\n" + "".join(
        f"P {i},p{i},p{i}@uni.example\n" for i in range(args.people)
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/grader.db"
        upgrade(url)
        database = Database(url)
        statements = [0]
        event.listen(
            database.engine,
            "before_cursor_execute",
            lambda *a: statements.__setitem__(0, statements[0] + 1),
        )
        with database.begin() as session:
            create_course(session, "big", "Big")
        print(f"{args.people} people")
        for run in ("new class", "same file again"):
            statements[0] = 0
            start = time.perf_counter()
            with database.begin() as session:
                course = session.scalar(select(Course).where(Course.slug == "big"))
                done = import_roster(session, course, parse(text))
            seconds = time.perf_counter() - start
            print(
                f"{run:16} {seconds:6.2f} s  {statements[0] / args.people:5.2f} statements "
                f"per person  ({done.created} created, {done.enrolled} enrolled, "
                f"{done.updated} updated)"
            )
        database.dispose()


if __name__ == "__main__":
    main()
