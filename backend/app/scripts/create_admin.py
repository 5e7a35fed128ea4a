"""Create the first admin: `python -m app.scripts.create_admin` (idempotent).

The password comes from ADMIN_PASSWORD or is generated and printed once to the terminal,
never to a log.
"""

import os
import sys

from app.core.config import get_settings
from app.core.errors import AppError
from app.core.security import generate_password
from app.db.session import Database
from app.users.schemas import UserCreate
from app.users.service import admin_exists, create_user


def main() -> int:
    """Create the admin unless one exists; exit 0 either way."""
    settings = get_settings()
    db = Database(settings.sqlalchemy_url)
    username = os.environ.get("ADMIN_USERNAME", "admin")
    given = os.environ.get("ADMIN_PASSWORD")
    with db.session_scope() as session:
        if admin_exists(session):
            print("An admin account already exists; nothing created.")
            return 0
        password = given or generate_password()
        data = UserCreate(
            username=username, password=password, display_name="Administrator", role="admin"
        )
        try:
            create_user(session, data=data, actor=None, ip=None)
        except AppError as exc:
            print(f"Cannot create the admin: {exc.message}", file=sys.stderr)
            return 2
    db.dispose()
    print(f"Admin account created: username '{username}'.")
    if not given:
        sys.stdout.write(f"Generated password (shown once, store it now): {password}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
