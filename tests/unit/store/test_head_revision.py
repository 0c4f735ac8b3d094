from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from bot.adapters.store.revisions import MIGRATION_FILE, MIGRATIONS, head_revision


def alembic_scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def test_the_head_read_from_file_names_is_alembics_head():
    assert head_revision() == alembic_scripts().get_current_head()


def test_every_migration_file_is_named_for_its_revision():
    for script in alembic_scripts().walk_revisions():
        named = MIGRATION_FILE.fullmatch(Path(script.path).name)

        assert named is not None, script.path
        assert named["revision"] == script.revision
