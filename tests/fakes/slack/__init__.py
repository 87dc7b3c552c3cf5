"""A local fake of the Slack Web API (and of response_url) for end-to-end tests.

`FakeSlack().start()` serves on a free loopback port. It is put together from one class per
surface, all written against `state.Workspace` (the fake's memory and its one lock):

- `server.py`: HTTP, request parsing, tokens, injected faults; `calls.py`: what was called.
- `users.py`: the directory (people, channels), users.info, auth.test.
- `conversations.py`, `chat.py`, `views.py`: those Web API families; `chat.py` also answers
  response_urls. `files.py`: the external file upload (and its upload URLs). `blocks.py`:
  the Block Kit limits Slack enforces (from `handlers.blocks.limits`).

The Web API methods it answers are listed once, in `FakeSlack.__init__`.
"""

from __future__ import annotations

from collections.abc import Iterable

from tests.fakes.slack.blocks import elements_of, options_of
from tests.fakes.slack.calls import Call
from tests.fakes.slack.chat import Chat
from tests.fakes.slack.conversations import Conversations
from tests.fakes.slack.files import Files
from tests.fakes.slack.server import Server
from tests.fakes.slack.users import Users
from tests.fakes.slack.views import Views

__all__ = ["Call", "FakeSlack", "elements_of", "options_of"]


class FakeSlack(Server, Users, Conversations, Chat, Views, Files):
    """The Slack Web API, a response_url receiver and a workspace directory, on 127.0.0.1."""

    def __init__(self, *, tokens: Iterable[str] | None = None, **identity: str) -> None:
        """`tokens`: the only ones accepted (default: any xoxb-/xoxp-/xoxe-/xapp- token);
        `identity`: team_id, team_domain, bot_user_id, bot_id, app_id (defaults in Workspace)."""
        super().__init__(tokens=tokens, **identity)
        self._methods = {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }
        self.reset()

    def reset(self) -> None:
        """Forget everything: calls, messages, views, responses, faults, rate limits, directory."""
        with self._cond:
            self._release_hanging()
            self._clear_calls()
            self._clear_faults()
            self._clear()
            self._cond.notify_all()
        self.add_user(self.bot_user_id, name="cadence", real_name="Cadence", is_bot=True)
