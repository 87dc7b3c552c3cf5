"""A local Slack: the Web API (and response_url) on loopback, for the end-to-end tests, the
benchmarks and `cadence-bot playground`. It knows nothing of Cadence.

`FakeSlack().start()` serves on a free loopback port. It is put together from one class per
surface, all written against `state.Workspace` (the fake's memory and its one lock):

- `server.py`: HTTP, request parsing, tokens, injected faults; `calls.py`: what was called.
- `users.py`: the directory (people, channels), users.info, auth.test.
- `conversations.py`, `chat.py`, `views.py`: those Web API families; `chat.py` also answers
  response_urls. `files.py`: the external upload (its upload URL is served by `server.py`).
  `canvases.py`: channel and standalone canvases (canvases.create / edit and
  conversations.canvases.create), with a switch to refuse them as some plans do.
  `blocks.py`: the Block Kit limits Slack enforces (`limits.py`, the one table the builders keep
  to as well); `rate_limits.py`: Slack's 429s, opt-in. `socket_mode.py` (and `socket_link.py`):
  Socket Mode, over a WebSocket, opened by the first `apps.connections.open`. `oauth.py`:
  installing into workspaces (the authorize redirect, oauth.v2.access, per-workspace tokens).
- The other side of Slack, toward the app: `sim.py` signs and sends commands, clicks,
  submissions and events (`socket_sim.py`: the same as Socket Mode envelopes); `forms.py` reads
  buttons and inputs and builds `state.values`.

The Web API methods it answers are listed once, in `FakeSlack.__init__`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from slackfake.blocks import elements_of, options_of
from slackfake.calls import Call
from slackfake.canvases import Canvases
from slackfake.chat import Chat
from slackfake.conversations import Conversations
from slackfake.files import Files
from slackfake.server import Server
from slackfake.snapshot import Snapshots
from slackfake.socket_mode import Envelope, SocketMode
from slackfake.users import Users
from slackfake.views import Views

__all__ = ["Call", "Envelope", "FakeSlack", "elements_of", "options_of"]


class FakeSlack(Server, Users, Conversations, Files, Canvases, Chat, Views, Snapshots, SocketMode):
    """The Slack Web API, a response_url receiver and a workspace directory, on 127.0.0.1."""

    def __init__(
        self,
        *,
        tokens: Iterable[str] | None = None,
        clock: Callable[[], float] | None = None,
        **identity: str,
    ) -> None:
        """`tokens`: the only ones accepted (default: any xoxb-/xoxp-/xoxe-/xapp- token);
        `clock`: epoch seconds for message timestamps (default: a fixed counter);
        `identity`: team_id, team_domain, bot_user_id, bot_id, app_id (defaults in Workspace)."""
        super().__init__(tokens=tokens, clock=clock, **identity)
        self._methods = {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "conversations.canvases.create": self._conversations_canvases_create,
            "canvases.create": self._canvases_create,
            "canvases.edit": self._canvases_edit,
            "apps.connections.open": self._apps_connections_open,
            "oauth.v2.access": self._oauth_v2_access,
        }
        self.reset()

    def stop(self) -> None:
        """Stop serving, and end every Socket Mode connection."""
        self._stop_socket_mode()
        super().stop()

    def reset(self) -> None:
        """Forget everything: calls, messages, views, responses, faults, rate limits, directory,
        installs and their tokens, Socket Mode envelopes (and end any connection a previous
        test left open)."""
        for link in getattr(self, "_links", []):
            link.drop()
        with self._cond:
            self._release_hanging()
            self._clear_calls()
            self._clear_faults()
            self._clear()
            self._clear_files()
            self._clear_canvases()
            self._clear_socket_mode()
            self._clear_installs()
            self._cond.notify_all()
        self.add_user(self.bot_user_id, name="cadence", real_name="Cadence", is_bot=True)
