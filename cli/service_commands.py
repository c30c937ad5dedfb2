"""`briefs serve`, `briefs import`, `briefs user ...` and `briefs db ...`: the service and its database."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from cli.common import app, err, out, user_errors
from review.config import load_config
from review.errors import BriefError

user_app = typer.Typer(help="用户管理", no_args_is_help=True)
db_app = typer.Typer(help="数据库", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(db_app, name="db")


def _service(with_model: bool = False):
    """The service over $BRIEFS_DATABASE_URL (migrated first); the model only when needed."""
    from api.app import build_service
    from api.services import ReviewService
    from api.settings import get_settings, secret_key
    from storage.db import make_engine, upgrade

    settings = get_settings()
    if with_model:
        return build_service(settings)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    return ReviewService(engine, None, load_config(settings.config), secret=secret_key(settings))


@db_app.command("upgrade")
@user_errors
def db_upgrade():
    """创建或升级数据库结构(其他命令首次使用时也会自动执行)。"""
    from api.settings import get_settings

    _service()
    err.print(f"数据库已是最新结构:{get_settings().database_url}")


@user_app.command("add")
@user_errors
def user_add(name: str = typer.Argument(..., help="用户名"),
             role: str = typer.Option(..., "--role", help="officer(信息员)、editor(编辑)或 admin(管理员)"),
             unit: Optional[str] = typer.Option(None, "--unit", help="信息员所属报送单位")):
    """添加用户;密码取自环境变量 BRIEFS_PASSWORD,否则提示输入。"""
    import os

    from api.errors import Conflict

    if role == "officer" and not (unit or "").strip():  # the service's message names no option: say it here
        raise Conflict("信息员必须用 --unit 指定所属的报送单位", code="unit_required", status=422)
    password = os.environ.get("BRIEFS_PASSWORD") or typer.prompt("密码", hide_input=True, confirmation_prompt=True)
    _service().add_user(name, password, role, unit)
    err.print(f"已添加用户 {name}({role}{',' + unit if unit else ''})")


@user_app.command("list")
@user_errors
def user_list():
    """列出用户。"""
    from rich.table import Table

    table = Table(title="用户")
    for col in ("用户名", "角色", "单位", "状态"):
        table.add_column(col)
    for u in _service().list_users():
        table.add_row(u["username"], u["role"], u["unit"] or "", "正常" if u["active"] else "已停用")
    out.print(table)


@user_app.command("disable")
@user_errors
def user_disable(name: str = typer.Argument(..., help="用户名")):
    """停用用户(其登录凭证立即失效)。"""
    _service().disable_user(name)
    err.print(f"已停用用户 {name}")


@app.command("import")
@user_errors
def import_archive(input: Path = typer.Argument(..., help="信息记录 JSONL 或 CSV(可带采用结果)")):
    """把历史信息导入数据库并生成审核结果;已存在的编号跳过。"""
    from review.readers import load_briefs

    briefs = load_briefs(input)
    count = _service(with_model=True).import_briefs(briefs)
    err.print(f"导入 {count} 条(跳过已存在的 {len(briefs) - count} 条)")


DEMO_USERS = (("editor", "editor", None), ("admin", "admin", None), ("officer", "officer", "清河县农业农村局"),
              ("officer2", "officer", "安平县应急管理局"))


@app.command()
@user_errors
def serve(host: str = typer.Option("127.0.0.1", "--host", help="监听地址"),
          port: int = typer.Option(8000, "--port", help="端口"),
          demo: bool = typer.Option(False, "--demo", help="空数据库时导入示例信息并创建演示账号"),
          workers: int = typer.Option(1, "--workers", min=1, max=64,
                                      help="服务进程数(默认 1;多个进程共用数据库和模型库,见 docs/operators.md)")):
    """启动服务(数据库取自 BRIEFS_DATABASE_URL,默认 var/briefs.db)。"""
    import uvicorn

    from api.app import create_app
    from api.learning import learning_loop
    from api.settings import get_settings, secret_key
    from storage.db import make_engine, upgrade

    if workers > 1 and get_settings().dup_index is not None:
        raise BriefError("持久化雷同索引(BRIEFS_DUP_INDEX)同一时间只能由一个进程打开,多进程服务请去掉该设置"
                         "(各进程从数据库建立并同步索引),或用 --workers 1", code="invalid_option")
    settings = get_settings()
    if workers == 1 or demo:
        service = _service(with_model=True)
        if demo:
            seed_demo(service)
    else:  # the workers build their services; here only the database's schema and the signing key
        engine = make_engine(settings.database_url)
        upgrade(engine)
        engine.dispose()
        secret_key(settings)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    err.print(f"在浏览器中打开 http://{shown}:{port}/ 用上面的账号登录;接口文档:http://{shown}:{port}/docs")
    if workers == 1:
        uvicorn.run(create_app(service=service), host=host, port=port, log_level="info")
        return
    # Each worker process builds its own service from the same settings (database, model
    # registry, configuration); this one only prepared the database (and the demo data).
    if demo:
        learning_loop(service).stop()
        service.close()
        service.engine.dispose()
    err.print(f"以 {workers} 个进程运行")
    uvicorn.run("api.app:create_app", factory=True, workers=workers, host=host, port=port, log_level="info")


def seed_demo(service) -> None:
    """Sample archive and demo users on an empty database; prints the logins."""
    import dataclasses

    from api.settings import ROOT
    from review.readers import load_briefs

    existing = {u["username"] for u in service.list_users()}
    # The samples come in as decided history; the held-out set, without its outcomes, as
    # open submissions for the editors' queue. Stored ids are skipped on later starts.
    history = service.import_briefs(load_briefs(ROOT / "data_samples" / "briefs.jsonl"))
    pending = service.import_briefs([dataclasses.replace(b, labels=None)
                                     for b in load_briefs(ROOT / "data_samples" / "heldout.jsonl")])
    if history or pending:
        err.print(f"已导入示例信息:历史 {history} 条,待审 {pending} 条")
    err.print("演示账号(用户名 / 密码 / 角色):")
    for name, role, unit in DEMO_USERS:
        password = f"{name}-demo-pass"
        if name not in existing:
            service.add_user(name, password, role, unit)
        err.print(f"  {name} / {password} / {role}{'(' + unit + ')' if unit else ''}")
