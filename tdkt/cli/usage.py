"""The command line's own words in Vietnamese: Click's usage errors (an option missing, mistyped or unknown, a
command that does not exist, a value of the wrong kind), and the help pages' usage line, headings and the
options every command gets (`--help`, shell completion). tdkt's refusals are Vietnamese already; these come
from the libraries, which word them in English.

Typer 0.29 carries its own copy of Click (`typer._click`) and exports only BadParameter of its exceptions, so
they are imported from there (the version is pinned in constraints.txt; tests/flows/test_cli.py runs the
installed `tdkt` script, so a Typer that moves them fails the suite rather than a user)."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.panel import Panel
from sqlalchemy.exc import DataError, OperationalError, ProgrammingError
from typer import rich_utils
from typer._click import core as click_core
from typer._click import exceptions as errors
from typer._click.formatting import HelpFormatter
from typer.core import TyperOption

from models.db import schema_behind

HEADINGS = {  # Typer reads these module values when it prints a help page
    "OPTIONS_PANEL_TITLE": "Tùy chọn", "COMMANDS_PANEL_TITLE": "Lệnh", "ARGUMENTS_PANEL_TITLE": "Đối số",
    "REQUIRED_LONG_STRING": "[bắt buộc]", "DEFAULT_STRING": "[mặc định: {}]", "ENVVAR_STRING": "[biến môi trường: {}]",
}
USAGE = "Cách dùng: "
OPTIONS_METAVAR, SUBCOMMAND_METAVAR = "[TÙY CHỌN]", "LỆNH [ĐỐI SỐ]..."
OWN_OPTIONS = {  # the help of the options Click and Typer add to every command, by parameter name
    "help": "Xem hướng dẫn này rồi thoát.",
    "install_completion": "Cài gợi ý lệnh (phím Tab) cho trình dòng lệnh đang dùng.",
    "show_completion": "In mã gợi ý lệnh (phím Tab) của trình dòng lệnh đang dùng, để tự cài.",
}
TYPES = {  # how Typer names an option's kind of value in the help, as Vietnamese (a flag takes none)
    "<bool>": "", "<str>": "<chữ>", "<int>": "<số>", "<int range>": "<số>", "<float>": "<số>", "<path>": "<tệp>",
    "<list[str]>": "<chữ>...", "<list[int]>": "<số>...",
}
Say = Callable[[re.Match[str]], str]
PHRASES: list[tuple[re.Pattern[str], Say]] = [  # Click's and Pydantic's English, as they word it
    (re.compile(r"No such command '(.+?)'\.(?: Did you mean '(.+?)'\?)?"),
     lambda m: f"Không có lệnh '{m[1]}'." + (f" Có phải ý bạn là '{m[2]}'?" if m[2] else "")),
    (re.compile(r"Option '(.+?)' requires an argument\."), lambda m: f"Tùy chọn '{m[1]}' cần một giá trị."),
    (re.compile(r"Option '(.+?)' does not take a value\."), lambda m: f"Tùy chọn '{m[1]}' không nhận giá trị."),
    (re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)"), lambda m: f"Thừa đối số: {m[1]}."),
    (re.compile(r"Missing command\."), lambda m: "Chưa chọn lệnh."),
    (re.compile(r"Input should be a valid integer.*"), lambda m: "cần một số nguyên."),
    (re.compile(r"Input should be a valid number.*"), lambda m: "cần một số."),
    (re.compile(r"Input should be a valid boolean.*"), lambda m: "cần có hoặc không (true/false)."),
    (re.compile(r"Input should be (.+)"), lambda m: f"cần {m[1]}."),
]


class _Formatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, USAGE if prefix is None else prefix)


def localise() -> None:
    """Typer's help headings and Click's usage line in Vietnamese, for this process."""
    for name, text in HEADINGS.items():
        setattr(rich_utils, name, text)
    click_core.Context.formatter_class = _Formatter


def translate(command: click_core.Command) -> click_core.Command:
    """`command` and every command below it with their usage line, the kinds of value of their options and the
    help of Click's and Typer's own options in Vietnamese. Click makes a command's `--help` option when first
    asked for it and keeps it: it is asked for here."""
    command.options_metavar = OPTIONS_METAVAR
    if hasattr(command, "subcommand_metavar"):
        command.subcommand_metavar = SUBCOMMAND_METAVAR
    context = click_core.Context(command)
    for option in [*command.params, command.get_help_option(context)]:
        if option is None:
            continue
        if option.name in OWN_OPTIONS:
            option.help = OWN_OPTIONS[option.name]  # type: ignore[attr-defined]
        shown = option.display_type_rich(context) if isinstance(option, TyperOption) else None
        if option.metavar is None and shown in TYPES:
            option.metavar = TYPES[shown]
    for sub in getattr(command, "commands", {}).values():
        translate(sub)
    return command


def message(error: errors.ClickException) -> str:
    """A usage error in Vietnamese (one Click words in a way not known here is shown as Click words it)."""
    if isinstance(error, errors.MissingParameter) and error.param is not None:
        helped = getattr(error.param, "help", None)
        return f"Thiếu tùy chọn {_named(error.param)}" + (f" ({helped})" if helped else "") + "."
    if isinstance(error, errors.NoSuchOption):
        guesses = " hay ".join(f"'{p}'" for p in error.possibilities or [])
        return f"Không có tùy chọn '{error.option_name}'." + (f" Có phải ý bạn là {guesses}?" if guesses else "")
    if isinstance(error, errors.BadParameter) and error.param is not None:
        return f"Giá trị của {_named(error.param)} không hợp lệ: {_said(error.message)}"
    return _said(error.format_message())


def _named(param: object) -> str:
    opts = getattr(param, "opts", None) or [getattr(param, "name", "")]
    return " / ".join(f"'{opt}'" for opt in opts)


def _said(text: str) -> str:
    for pattern, say in PHRASES:
        if found := pattern.fullmatch(text):
            return say(found)
    return text


def show(error: errors.ClickException) -> None:
    """Print a usage error as Typer does (on standard error) but in Vietnamese: the usage line, where the help
    is, the error in a panel. A command given no arguments has printed its help already, as Typer's does."""
    if isinstance(error, errors.NoArgsIsHelpError):
        return
    console = Console(stderr=True)
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        console.print(ctx.get_usage(), markup=False, highlight=False)
        console.print(f"Xem '{ctx.command_path} {ctx.help_option_names[0]}' để biết cách dùng.", markup=False,
                      highlight=False, style="dim")
    console.print(Panel(message(error), title="Lỗi", title_align="left", border_style="red"), markup=False)


def run(app: typer.Typer) -> NoReturn:
    """Run `app` as its console script does, with Click's usage errors and Typer's help in Vietnamese."""
    localise()
    try:
        code = translate(typer.main.get_command(app)).main(prog_name="tdkt", standalone_mode=False)
    except errors.ClickException as error:
        show(error)
        sys.exit(error.exit_code)
    except typer.Abort:
        Console(stderr=True).print("Đã dừng.")
        sys.exit(1)
    except (DataError, OverflowError):  # a number past the database's integers (PostgreSQL; SQLite's driver)
        Console(stderr=True).print("Không thực hiện được: một số đã nhập lớn quá giới hạn, không có hồ sơ, đề nghị "
                                   "hay quyết định nào mang số đó. Không có gì được ghi.")
        sys.exit(1)
    except (OperationalError, ProgrammingError) as error:
        if schema_behind():  # an upgrade whose `tdkt init` has not run: its missing columns, not a server down
            logging.getLogger("tdkt.cli").warning("schema behind this version: %s", error.orig)
            Console(stderr=True).print("Cơ sở dữ liệu còn theo cấu trúc của phiên bản tdkt trước: hãy chạy [bold]tdkt "
                                       "init[/] (nâng cấp cấu trúc, giữ nguyên dữ liệu) rồi chạy lại lệnh. Không có "
                                       "gì được ghi.")
            sys.exit(1)
        if isinstance(error, ProgrammingError):
            raise  # a fault of tdkt's own statements: the traceback is for its developers
        # the database is down or unreachable: one line, the detail in the log
        logging.getLogger("tdkt.cli").warning("database unavailable: %s", error.orig)
        Console(stderr=True).print("Chưa kết nối được cơ sở dữ liệu: hãy kiểm tra máy chủ cơ sở dữ liệu và "
                                   "TDKT_DATABASE_URL, rồi chạy lại lệnh. Không có gì được ghi.")
        sys.exit(1)
    except ValidationError as error:  # the settings (TDKT_…): what is wrong, never a value nor a traceback
        reasons = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())
        fields = ", ".join(f"TDKT_{'.'.join(map(str, e['loc'])).upper()}" for e in error.errors() if e["loc"])
        Console(stderr=True).print(f"Cấu hình không hợp lệ{f' ({fields})' if fields else ''}: {reasons}")
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
