"""Routing rules: queues, queue membership (members and the queues of a user), and wrap-up codes."""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Any

from ..errors import not_found, queue_name_taken, resource_not_found, unknown_member
from .org import Member, Queue, WrapupCode, WrapupPrompt
from .presence import BY_ID

if TYPE_CHECKING:
    from .base import OrgRoot
    from .conversation_backend import ConversationBackend
    from .users import UserBackend


def name_matches(value: str, pattern: str | None) -> bool:
    """`name=` filters: `*` wildcards, case-insensitive; no wildcard = exact name."""
    if not pattern:
        return True
    return fnmatch.fnmatch(value.lower(), pattern.lower())


class RoutingBackend:
    """Queues, members and wrap-up codes. A member who joins may be offered waiting work at once (`acd`)."""

    def __init__(self, root: OrgRoot, users: UserBackend, acd: ConversationBackend) -> None:
        self.root = root
        self.users = users
        self.acd = acd

    # -- queues ----------------------------------------------------------------------------------
    def queue_exists(self, queue_id: str) -> bool:
        return queue_id in self.root.org.queues

    def get_queue(self, queue_id: str) -> Queue:
        queue = self.root.org.queues.get(queue_id)
        if queue is None:
            raise resource_not_found()
        return queue

    def queues(self, ids: set[str], name: str | None, descending: bool) -> list[Queue]:
        """`GET /routing/queues`: by name, filtered by `ids` and a `name` pattern."""
        found = [q for q in self.root.org.queues.values() if (not ids or q.id in ids) and name_matches(q.name, name)]
        return sorted(found, key=lambda q: q.name.lower(), reverse=descending)

    def put_queue(self, queue_id: str, body: dict[str, Any]) -> Queue:
        """`PUT /routing/queues/{id}`: name, description, ACW settings and the chat and message alerting timeouts."""
        root = self.root
        with root.lock:
            queue = self.get_queue(queue_id)
            other = root.org.queue_by_name(body["name"])
            if other is not None and other.id != queue.id:
                raise queue_name_taken(body["name"])
            acw = body.get("acwSettings") or {}
            prompt = WrapupPrompt(acw.get("wrapupPrompt", queue.wrapup_prompt.value))
            queue.name = body["name"]
            queue.description = body.get("description", queue.description)
            queue.wrapup_prompt = prompt
            timeout = acw.get("timeoutMs", queue.acw_timeout_ms)
            queue.acw_timeout_ms = timeout if prompt.timed or prompt is WrapupPrompt.AGENT_REQUESTED else None
            media_settings = body.get("mediaSettings") or {}
            chat = media_settings.get("chat") or {}
            if "alertingTimeoutSeconds" in chat:
                queue.alerting_timeout_seconds = chat["alertingTimeoutSeconds"]
            message = media_settings.get("message") or {}
            if "alertingTimeoutSeconds" in message:
                queue.message_alerting_timeout_seconds = message["alertingTimeoutSeconds"]
            root.emit_change("queue.changed", {"queueId": queue.id, "name": queue.name,
                                               "wrapupPrompt": prompt.value, "timeoutMs": queue.acw_timeout_ms,
                                               "alertingTimeoutSeconds": queue.alerting_timeout_seconds,
                                               "topics": []})
            return queue

    # -- queue members ---------------------------------------------------------------------------
    def queue_members(self, queue_id: str, joined: bool | None, statuses: list[str], presences: list[str],
                      name: str | None) -> tuple[Queue, list[Member]]:
        """`GET /routing/queues/{id}/members`: filtered by joined, routing status, presence (label or upper-case
        name) and a `name` pattern."""
        queue = self.get_queue(queue_id)
        wanted_presences = set(presences)
        out = []
        for member in queue.members.values():
            user = self.root.org.users[member.user_id]
            if joined is not None and member.joined != joined:
                continue
            if statuses and user.routing_status.value not in statuses:
                continue
            presence = BY_ID[user.presence_id]
            if presences and not ({presence.label, presence.upper} & wanted_presences):
                continue
            if not name_matches(user.name, name):
                continue
            out.append(member)
        return queue, out

    def post_queue_members(self, queue_id: str, user_ids: list[str], delete: bool) -> None:
        """Add (or with `delete`, remove) members. inferred: unknown user ids are refused as a whole."""
        root = self.root
        with root.lock:
            queue = self.get_queue(queue_id)
            for uid in user_ids:
                if uid not in root.org.users:
                    raise unknown_member(uid)
            changed = []
            for uid in user_ids:
                if delete and uid in queue.members:
                    del queue.members[uid]
                    changed.append(uid)
                elif not delete and uid not in queue.members:
                    queue.members[uid] = Member(uid)
                    changed.append(uid)
            if changed:
                root.emit_change("queue.members", {"queueId": queue.id, "action": "removed" if delete else "added",
                                                   "userIds": changed, "topics": []})
                if not delete:
                    self.acd.route_queue(queue)

    def set_member_joined(self, queue_id: str, user_id: str, joined: bool) -> None:
        root = self.root
        with root.lock:
            queue = self.get_queue(queue_id)
            member = queue.members.get(user_id)
            if member is None:
                raise not_found()
            if member.joined == joined:
                return
            member.joined = joined
            root.emit_change("queue.members", {"queueId": queue.id, "action": "joined" if joined else "unjoined",
                                               "userIds": [user_id], "topics": []})
            if joined:
                self.acd.route_queue(queue)

    def patch_queue_members(self, queue_id: str, joins: list[dict[str, Any]]) -> tuple[Queue, list[Member]]:
        """`PATCH /routing/queues/{id}/members`: join or unjoin each `{"id", "joined"}`; the members changed.

        All or nothing: every entry is checked before any is applied, so one unknown member refuses the whole batch
        with nothing changed (inferred: the platform does not half-apply a batch it refuses)."""
        with self.root.lock:
            queue = self.get_queue(queue_id)
            for item in joins:
                if item["id"] not in queue.members:
                    raise not_found()
            for item in joins:
                self.set_member_joined(queue_id, item["id"], item.get("joined", True))
            return queue, [queue.members[item["id"]] for item in joins]

    def user_queues(self, user_id: str, joined: bool | None = None) -> list[Queue]:
        """`GET /users/{id}/queues` and `/routing/queues/me`: the queues the user is a member of."""
        self.users.get_user(user_id)
        return self.root.org.queues_of(user_id, joined)

    def patch_user_queues(self, user_id: str, joins: list[dict[str, Any]]) -> list[Queue]:
        """`PATCH /users/{id}/queues`: join or unjoin each queue `{"id", "joined"}`; every queue of the user."""
        with self.root.lock:
            self.users.get_user(user_id)
            # All or nothing, as for the queue's own members call: an unknown queue (404 resource.not.found) or a
            # queue the user is no member of (404 not.found) refuses the batch before anything is applied.
            for item in joins:
                if user_id not in self.get_queue(item["id"]).members:
                    raise not_found()
            for item in joins:
                self.set_member_joined(item["id"], user_id, item.get("joined", True))
            return self.root.org.queues_of(user_id)

    # -- wrap-up codes ---------------------------------------------------------------------------
    def wrapup_codes(self, ids: set[str], name: str | None, sort_by: str, descending: bool) -> list[WrapupCode]:
        """`GET /routing/wrapupcodes`: filtered by `ids` and a `name` pattern, sorted by name or id."""
        codes = [c for c in self.root.org.wrapup_codes.values()
                 if (not ids or c.id in ids) and name_matches(c.name, name)]
        return sorted(codes, key=lambda c: c.name.lower() if sort_by == "name" else c.id, reverse=descending)

    def get_wrapup_code(self, code_id: str) -> WrapupCode:
        code = self.root.org.wrapup_codes.get(code_id)
        if code is None:
            raise resource_not_found()
        return code

    def queue_wrapup_codes(self, queue_id: str, name: str | None = None) -> list[WrapupCode]:
        """The queue's wrap-up codes, in the queue's order, matching a `name` pattern."""
        return [c for c in self.root.org.wrapup_codes_of(self.get_queue(queue_id)) if name_matches(c.name, name)]
