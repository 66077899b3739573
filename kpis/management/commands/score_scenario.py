"""Score a scenario file without touching the database (SCORING.md section 7)."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kpis.scenario import ScenarioError, load_scenario, results_to_json, results_to_table
from kpis.scoring import score_cycle


class Command(BaseCommand):
    help = (
        "Score a scenario (a scorecard plus participants' inputs, as JSON) and print the "
        "results. An invalid scenario prints one line per problem to stderr and no results."
    )
    requires_system_checks = []  # pure arithmetic: it needs neither the database nor the apps

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="scenario JSON file, or - for standard input")
        parser.add_argument(
            "--format",
            choices=("json", "table"),
            default="json",
            help="json (the default) or a readable table",
        )

    def handle(self, *args: object, **options: object) -> None:
        path = str(options["file"])
        text = self._read(path)
        try:
            scenario = load_scenario(text)
        except ScenarioError as error:
            # Exactly one line per problem on stderr (a CommandError would add a summary
            # line of its own), nothing on stdout, and a non-zero exit.
            for problem in error.problems:
                self.stderr.write(problem)
            raise SystemExit(1) from error
        results = score_cycle(scenario.scorecard, scenario.participants)
        if options["format"] == "table":
            self.stdout.write(results_to_table(results))
        else:
            self.stdout.write(json.dumps(results_to_json(results), indent=2, ensure_ascii=False))

    def _read(self, path: str) -> str:
        if path == "-":
            return sys.stdin.read()
        try:
            return Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise CommandError(f"{path}: cannot read the file ({reason})") from error
