"""Users, logins and sessions, the audit log, and the settings administrators edit."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from api.audit import audit_actions, read_audit
from api.errors import Conflict, NotFound, Unauthorized
from api.roster_upload import read_roster_upload
from api.security import ROLES, hash_password, make_token, read_token, verify_absent, verify_password
from api.services.base import Caller, ServiceBase, require_admin
from review import clock
from storage.db import transaction
from storage.tables import AuditEntry, RevokedToken, User


class Accounts(ServiceBase):
    """Users, logins and sessions, the audit log, and the settings administrators edit."""

    def add_user(self, username: str, password: str, role: str, unit: str | None = None, *,
                 actor: Caller | None = None, unit_head: bool = False) -> int:
        """Create a user (officers need a unit, created if new); returns the user id.

        `actor` is the administrator doing it through the service; None is the local command line.
        """
        require_admin(actor)
        if not username.strip() or len(username) > 80:
            raise Conflict("用户名不能为空,且不超过 80 个字符", code="invalid_username", status=422)
        if role not in ROLES:
            raise Conflict(f"角色应为 {'、'.join(ROLES)} 之一", code="invalid_role", status=422)
        if role == "officer" and not unit:
            raise Conflict("信息员必须填写所属的报送单位", code="unit_required", status=422)
        if unit_head and role != "officer":
            raise Conflict("单位负责人(审签)须是本单位的信息员账号", code="invalid_role", status=422)
        if len(password) < 8:
            raise Conflict("密码至少 8 位", code="weak_password", status=422)
        with transaction(self.sessions) as session:
            if session.scalar(select(User).where(User.username == username)):
                raise Conflict(f"用户名 {username} 已存在", code="user_exists")
            unit_row = self._unit(session, unit) if unit else None
            user = User(username=username, password_hash=hash_password(password), role=role,
                        unit_id=unit_row.id if unit_row else None, active=True, unit_head=unit_head)
            session.add(user)
            session.flush()
            session.add(AuditEntry(user_id=actor and actor.id, action="user_add", target=username,
                                   detail={"role": role, "unit": unit, "unit_head": unit_head},
                                   created_at=clock.now()))
            return user.id

    def list_users(self, *, actor: Caller | None = None) -> list[dict]:
        """All users with role, unit and whether they are active."""
        require_admin(actor)
        with self.sessions() as session:
            return [{"username": u.username, "role": u.role, "unit": u.unit.name if u.unit else None,
                     "active": u.active, "unit_head": bool(u.unit_head)}
                    for u in session.scalars(select(User).order_by(User.username))]

    def disable_user(self, username: str, *, actor: Caller | None = None) -> None:
        """Stop a user from logging in (their tokens stop working at once)."""
        require_admin(actor)
        if actor is not None and actor.username == username:
            raise Conflict("不能停用自己的账号", code="cannot_disable_self", status=422)
        with transaction(self.sessions) as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound(f"用户 {username} 不存在", code="not_found")
            now = clock.now()
            user.active = False
            # A token's iat is in whole seconds: refusing up to the end of this second keeps
            # every token issued so far dead if the user is enabled again.
            user.sessions_valid_from = now.replace(microsecond=0) + timedelta(seconds=1)
            session.add(AuditEntry(user_id=actor and actor.id, action="user_disable", target=username,
                                   created_at=now))

    def enable_user(self, username: str, *, actor: Caller | None = None) -> None:
        """Let a disabled user log in again (sessions from before the disabling stay refused)."""
        require_admin(actor)
        with transaction(self.sessions) as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound(f"用户 {username} 不存在", code="not_found")
            if user.active:
                raise Conflict(f"用户 {username} 未被停用", code="user_active", status=409)
            user.active = True
            session.add(AuditEntry(user_id=actor and actor.id, action="user_enable", target=username,
                                   created_at=clock.now()))

    def audit_log(self, actor: Caller, *, limit: int = 100, offset: int = 0, user: str | None = None,
                  action: str | None = None, since: datetime | None = None, until: datetime | None = None) -> dict:
        """The audit log, newest first, filtered by user, action and time (administrators)."""
        require_admin(actor)
        with self.sessions() as session:
            out = read_audit(session, user=user, action=action, since=since, until=until, limit=limit, offset=offset)
            out["actions"] = audit_actions(session)
            return out

    def login(self, username: str, password: str, *, address: str | None = None) -> str:
        """An access token for valid credentials of an active user.

        A failure takes the same time whether or not the username exists, and too many
        failures for one username or from one address close logins for a while (429)."""
        self.throttle.check(username, address)
        user = None
        if "\x00" not in username and 0 < len(username) <= 80:  # no such username can be stored
            with self.sessions() as session:
                user = session.scalar(select(User).where(User.username == username))
        valid = verify_password(user.password_hash, password) if user is not None else verify_absent(password)
        if not valid or not user.active:
            self.throttle.failed(username, address)
            raise Unauthorized("用户名或密码错误", code="invalid_credentials")
        self.throttle.succeeded(username)
        with transaction(self.sessions) as session:
            session.add(AuditEntry(user_id=user.id, action="login", target=username, created_at=clock.now()))
        return make_token(user.id, user.role, self.secret, self.token_minutes)

    def logout(self, token: str | None) -> None:
        """End a session: its token is refused from now on, until it would have expired anyway."""
        claims = read_token(token, self.secret) if token else None
        if claims is None:
            return
        now = clock.now()
        with transaction(self.sessions) as session:
            if session.get(RevokedToken, claims.jti) is None:
                session.add(RevokedToken(jti=claims.jti, expires_at=claims.expires))
                session.add(AuditEntry(user_id=claims.user_id, action="logout", target="", created_at=now))
            session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))

    def caller(self, token: str | None) -> Caller:
        """The user a bearer token belongs to; 401 for a missing, bad, expired, revoked or disabled one."""
        claims = read_token(token, self.secret) if token else None
        if claims is None:
            raise Unauthorized("未登录或登录已过期,请重新登录", code="unauthorized")
        with self.sessions() as session:
            if session.get(RevokedToken, claims.jti) is not None:
                raise Unauthorized("已退出登录,请重新登录", code="unauthorized")
            user = session.get(User, claims.user_id)
            if user is None or not user.active:
                raise Unauthorized("账号不存在或已停用", code="unauthorized")
            cutoff = user.sessions_valid_from
            if cutoff is not None and (claims.issued is None or claims.issued < clock.localize(cutoff)):
                raise Unauthorized("账号曾被停用,请重新登录", code="unauthorized")
            return Caller(user.id, user.username, user.role, user.unit_id, bool(user.unit_head))

    def editable_settings(self, actor: Caller) -> list[dict]:
        """The points table and freshness windows as the admin page edits them (administrators)."""
        require_admin(actor)
        return self.editable.describe()

    def update_settings(self, actor: Caller, values: dict) -> list[dict]:
        """Change editable settings (administrators); returns the changes, old → new, as audited."""
        require_admin(actor)
        return self.editable.update(actor.id, values)

    def roster(self, actor: Caller) -> dict:
        """The leaders' roster of the proofreading in force, and where it comes from (administrators)."""
        require_admin(actor)
        return self.editable.roster()

    def upload_roster(self, actor: Caller, filename: str, data: bytes) -> int:
        """Replace the roster with an uploaded CSV / XLSX (administrators); the entries now in force."""
        require_admin(actor)
        return self.editable.set_roster(actor.id, read_roster_upload(filename, data), source=filename)

    def reset_roster(self, actor: Caller) -> int:
        """Go back to the configuration file's roster (administrators)."""
        require_admin(actor)
        return self.editable.set_roster(actor.id, None)
