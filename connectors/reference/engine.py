"""The sync engine: every rule of the externally routed chat and messaging workflow, from platform events to
platform calls.

The engine is level-triggered: a Genesys conversation event is a snapshot, compared with the books, and only
a forward change of an agent leg (alerting -> connected -> disconnected) or of an AgentWork status
(Assigned -> Opened -> final) causes a call. Duplicated, replayed or late events therefore change nothing,
and the same code reconciles a conversation fetched after a reconnect or a restart.

Each entry point runs on the dispatcher's worker for its key (the work item, or the user for presence), so
events about one chat are handled one at a time and in arrival order.
"""

from __future__ import annotations

import time
from typing import Any

from .config import MESSAGING, SyncSettings
from .directory import Directory
from .events import (
    ChangeEvent,
    ChangeType,
    ConversationView,
    LegState,
    ParticipantView,
    PresenceChange,
    conversation_view,
)
from .ids import sf_id18
from .logs import get_log
from .open_messaging import ENDED_BY_END_USER, inbound_text, media_of_work_item, open_message_body
from .ports import GenesysPort, PlatformError, SalesforcePort
from .store import (
    AgentWorkRecord,
    AgentWorkStatus,
    Books,
    LegRecord,
    TransferRecord,
    TransferState,
    WorkItemRecord,
    WorkOrigin,
)

log = get_log("engine")

EXTERNAL_ROUTING = "ExternalRouting"
_UNSET = object()


def _soql_id(value: str) -> str:
    # Ids are alphanumeric; refuse anything else rather than quote it into SOQL.
    if not value.isalnum():
        raise ValueError(f"not a Salesforce id: {value!r}")
    return value


def _changed(event: ChangeEvent, name: str) -> Any:
    """A field's new value when this change carries it, else None (CDC updates carry only changed fields)."""
    if event.changed_fields and event.change_type is ChangeType.UPDATE and name not in event.changed_fields:
        return None
    return event.fields.get(name)


def _is_timeout(disconnect_type: str | None) -> bool:
    return (disconnect_type or "").lower() in ("timeout", "system", "transfer.noanswer", "noanswer")


class SyncEngine:
    def __init__(self, genesys: GenesysPort, salesforce: SalesforcePort, directory: Directory, books: Books,
                 settings: SyncSettings) -> None:
        self.genesys = genesys
        self.salesforce = salesforce
        self.directory = directory
        self.books = books
        self.settings = settings

    # =============================================================================================
    # Dispatch keys: everything about one work item goes to the same worker, in order.
    # =============================================================================================
    def key_for_conversation(self, view: ConversationView) -> str | None:
        wid = view.work_item_id or self.books.work_item_for_conversation(view.id)
        return f"wi:{wid}" if wid else None

    def key_for_change(self, event: ChangeEvent) -> str:
        wid = sf_id18(event.get("WorkItemId"))
        if not wid and event.entity == "MessagingSession":
            wid = event.record_id  # the session is the work item
        if not wid and event.entity == "PendingServiceRouting":
            wid = self.books.work_item_for_psr(event.record_id)
        if not wid and event.entity == "AgentWork":
            wid = self.books.work_item_for_work(event.record_id)
        return f"wi:{wid}" if wid else f"{event.entity}:{event.record_id}"

    # =============================================================================================
    # Presence: Genesys system presence -> Omni-Channel status (sync settings), through the console bridge.
    # =============================================================================================
    def on_presence(self, change: PresenceChange) -> None:
        uid, new = change.user_id, change.system_presence
        with self.books.lock:
            previous = self.books.presence.get(uid)
            previous_at = self.books.presence_at.get(uid)
        if change.snapshot and previous is not None and (
                change.modified is None or previous_at is None or change.modified < previous_at):
            return  # a read-back older than what a live event already told us must not undo it
        if previous == new:
            self._remember_presence(uid, new, change.modified)
            return
        sf_user = self.directory.salesforce_user_for(uid)
        mapping = self.settings.presence
        if sf_user is None or new not in mapping:
            self._remember_presence(uid, new, change.modified)
            return
        target = mapping[new]
        previous_target = mapping[previous] if previous in mapping else _UNSET
        if previous_target is not _UNSET and previous_target == target:
            self._remember_presence(uid, new, change.modified)  # e.g. AWAY -> BREAK: both "Away", nothing changes in Omni
            return
        try:
            if target is None:
                if previous_target is _UNSET or previous_target is None:
                    # Never logged in by us (first sighting): logging out would only be refused.
                    self._remember_presence(uid, new, change.modified)
                    return
                self.salesforce.toolkit(sf_user, "logout", {})
                log.info("omni logout", genesysUserId=uid, salesforceUserId=sf_user, presence=new)
            else:
                status_id = self.directory.status_id(target)
                if status_id is None:
                    log.error("omni status missing", status=target, presence=new)
                    return
                self.salesforce.toolkit(sf_user, "setServicePresenceStatus", {"statusId": status_id})
                log.info("omni status set", genesysUserId=uid, salesforceUserId=sf_user, presence=new,
                         status=target)
        except PlatformError as exc:
            log.warning("presence sync refused", genesysUserId=uid, presence=new, status=exc.status,
                        detail=exc.detail[:200])
            return
        self._remember_presence(uid, new, change.modified)

    def _remember_presence(self, uid: str, presence: str, modified: float | None = None) -> None:
        with self.books.lock:
            if self.books.presence.get(uid) == presence and (
                    modified is None or self.books.presence_at.get(uid) == modified):
                return
        with self.books.edit() as books:
            books.presence[uid] = presence
            if modified is not None:
                books.presence_at[uid] = max(modified, books.presence_at.get(uid, modified))

    # =============================================================================================
    # Genesys conversations: snapshots of a chat carrying workItemId.
    # =============================================================================================
    def on_conversation(self, view: ConversationView) -> None:
        wid = view.work_item_id or self.books.work_item_for_conversation(view.id)
        if not wid:
            return  # a plain web chat: not externally routed, not the connector's business
        transitions: list[tuple[WorkItemRecord, str, LegRecord, bool]] = []
        rec = self.books.get(wid)
        if rec is None:
            rec = self.books.ensure(wid, media_of_work_item(wid))
            log.info("adopted conversation", workItemId=wid, conversationId=view.id)
        with self.books.edit(rec):
            if rec.conversation_id is None or (rec.conversation_ended and rec.conversation_id != view.id
                                               and not view.ended):
                rec.conversation_id = view.id
                rec.conversation_ended = False
                rec.creating = False
            if view.id == rec.conversation_id and view.ended:
                rec.conversation_ended = True
        owners = {rec.work_item_id: rec}
        for p in view.agents:
            # A messaging customer who came back keeps the conversation: the legs of the earlier session stay
            # that session's (its AgentWork), whatever work item the customer's attributes name now.
            owner = self._leg_owner(rec, p.id)
            owners[owner.work_item_id] = owner
            with self.books.edit(owner):
                step = self._advance_leg(owner, view.id, p)
            if step:
                transitions.append((owner, *step))
        # Connections before disconnections: in one snapshot of a completed transfer the receiver's
        # connect must be seen before the sender's leg ends.
        order = {"alerting": 0, "connected": 1, "disconnected": 2}
        for owner, kind, leg, was_connected in sorted(transitions, key=lambda t: order[t[1]]):
            if kind == "alerting":
                self._leg_alerting(owner, leg)
            elif kind == "connected":
                self._leg_connected(owner, leg)
            else:
                self._leg_disconnected(owner, leg, was_connected)
        for owner in owners.values():
            self._update_finished(owner)

    def _leg_owner(self, rec: WorkItemRecord, participant_id: str) -> WorkItemRecord:
        if participant_id in rec.legs:
            return rec
        other = self.books.get(self.books.work_item_for_leg(participant_id))
        return other if other is not None and other.superseded_by else rec

    def _advance_leg(self, rec: WorkItemRecord, conversation_id: str,
                     p: ParticipantView) -> tuple[str, LegRecord, bool] | None:
        leg = rec.legs.get(p.id)
        if leg is None:
            leg = LegRecord(p.id, conversation_id, p.user_id or "")
            rec.legs[p.id] = leg
        new = p.state
        if new is None or new.rank < leg.state.rank:
            return None  # unknown state, or a late event older than what the books know
        if new is leg.state:
            if new is LegState.CONNECTED and self._pickup_unfinished(rec, leg):
                return ("connected", leg, True)  # a retry after a failure or a restart
            return None
        previous = leg.state
        leg.state = new
        leg.disconnect_type = p.disconnect_type or leg.disconnect_type
        if new is LegState.ALERTING:
            return ("alerting", leg, False)
        if new is LegState.CONNECTED:
            return ("connected", leg, True)
        was_connected = previous is LegState.CONNECTED or p.was_connected
        return ("disconnected", leg, was_connected)

    def _pickup_unfinished(self, rec: WorkItemRecord, leg: LegRecord) -> bool:
        if leg.agent_work_id is None:
            return True
        work = rec.agent_works.get(leg.agent_work_id)
        return work is not None and work.active and not work.accepted

    # -- alerting ------------------------------------------------------------------------------------
    def _leg_alerting(self, rec: WorkItemRecord, leg: LegRecord) -> None:
        t = rec.transfer
        if t and t.state is TransferState.REQUESTED and leg.genesys_user_id == t.receiver_genesys_user_id:
            with self.books.edit(rec):
                t.receiver_participant_id = leg.participant_id
            log.info("transfer alerting receiver", workItemId=rec.work_item_id, participantId=leg.participant_id)

    # -- connected: Pick Up (insert + accept) or the receiver of a transfer accepting ------------------
    def _leg_connected(self, rec: WorkItemRecord, leg: LegRecord) -> None:
        sf_user = self.directory.salesforce_user_for(leg.genesys_user_id)
        if sf_user is None:
            log.warning("agent has no Salesforce user", genesysUserId=leg.genesys_user_id,
                        workItemId=rec.work_item_id)
            return
        t = rec.transfer
        if t and t.state is TransferState.REQUESTED and t.receiver_user_id == sf_user:
            self._accept_transfer(rec, leg, t)
            return
        work = rec.agent_works.get(leg.agent_work_id) if leg.agent_work_id else None
        if work is None:
            work = self._existing_work(rec, leg, sf_user)
        if work is None:
            work = self._insert_work(rec, leg, sf_user)
        if work is not None and work.active and not work.accepted:
            self._accept(rec, work)

    def _existing_work(self, rec: WorkItemRecord, leg: LegRecord, sf_user: str) -> AgentWorkRecord | None:
        """Work of this agent already there: in the books, or in Salesforce when the books lost it."""
        work = rec.active_work_for_user(sf_user)
        if work is not None and work.participant_id in (None, leg.participant_id):
            with self.books.edit(rec):
                work.participant_id = leg.participant_id
                leg.agent_work_id = work.id
            return work
        if not (leg.insert_started or rec.psr_id is None):
            return None
        # Recovery: an insert whose answer was lost, or a chat adopted without its routing request.
        try:
            rows = self.salesforce.query(
                "SELECT Id, Status, UserId FROM AgentWork WHERE WorkItemId = "
                f"'{_soql_id(rec.work_item_id)}' AND UserId = '{_soql_id(sf_user)}'")
        except PlatformError as exc:
            log.warning("agent work lookup failed", workItemId=rec.work_item_id, status=exc.status)
            return None
        for row in rows:
            status = AgentWorkStatus.parse(row.get("Status"))
            if status is not None and not status.terminal:
                wid = sf_id18(row["Id"]) or row["Id"]
                with self.books.edit(rec):
                    work = AgentWorkRecord(wid, sf_user, WorkOrigin.PICKUP, status, leg.participant_id,
                                           accepted=status is AgentWorkStatus.OPENED)
                    rec.agent_works[wid] = work
                    leg.agent_work_id = wid
                log.info("agent work recovered", workItemId=rec.work_item_id, agentWorkId=wid)
                return work
        return None

    def _insert_work(self, rec: WorkItemRecord, leg: LegRecord, sf_user: str) -> AgentWorkRecord | None:
        psr_id, channel_id = rec.psr_id, rec.service_channel_id
        if psr_id is None:
            psr_id, found_channel = self._find_psr(rec.work_item_id)
            channel_id = channel_id or found_channel
        channel_id = channel_id or self.directory.service_channel_id(rec.media)
        if channel_id is None:
            log.error("no service channel for the work item", workItemId=rec.work_item_id)
            return None
        fields = {"ServiceChannelId": channel_id, "WorkItemId": rec.work_item_id, "UserId": sf_user}
        if psr_id:
            fields["PendingServiceRoutingId"] = psr_id
        with self.books.edit(rec):
            leg.insert_started = True
            if psr_id and rec.psr_id is None:
                rec.psr_id = psr_id
        try:
            work_id = sf_id18(self.salesforce.insert_agent_work(fields)) or ""
        except PlatformError as exc:
            log.error("agent work insert refused", workItemId=rec.work_item_id, userId=sf_user, status=exc.status,
                      detail=exc.detail[:300])
            with self.books.edit(rec):
                leg.insert_started = False
            return None
        with self.books.edit(rec):
            work = rec.agent_works.get(work_id) or AgentWorkRecord(work_id, sf_user, WorkOrigin.PICKUP)
            work.participant_id = leg.participant_id
            rec.agent_works[work_id] = work
            leg.agent_work_id = work_id
        log.info("agent work inserted", workItemId=rec.work_item_id, agentWorkId=work_id, userId=sf_user,
                 conversationId=leg.conversation_id, participantId=leg.participant_id)
        return work

    def _find_psr(self, work_item_id: str) -> tuple[str | None, str | None]:
        try:
            rows = self.salesforce.query(
                "SELECT Id, ServiceChannelId, GroupId FROM PendingServiceRouting WHERE WorkItemId = "
                f"'{_soql_id(work_item_id)}'")
        except PlatformError as exc:
            log.warning("routing request lookup failed", workItemId=work_item_id, status=exc.status)
            return None, None
        if not rows:
            return None, None
        return sf_id18(rows[-1].get("Id")), sf_id18(rows[-1].get("ServiceChannelId"))

    def _accept(self, rec: WorkItemRecord, work: AgentWorkRecord) -> bool:
        try:
            self.salesforce.toolkit(work.user_id, "acceptAgentWork", {"workId": work.id})
        except PlatformError as exc:
            log.warning("accept refused", workItemId=rec.work_item_id, agentWorkId=work.id, status=exc.status,
                        detail=exc.detail[:200])
            return False
        with self.books.edit(rec):
            work.accepted = True
        log.info("agent work accepted", workItemId=rec.work_item_id, agentWorkId=work.id, userId=work.user_id)
        return True

    def _accept_transfer(self, rec: WorkItemRecord, leg: LegRecord, t: TransferRecord) -> None:
        work = rec.agent_works.get(t.agent_work_id)
        if work is None:
            return
        with self.books.edit(rec):
            t.receiver_participant_id = leg.participant_id
            leg.agent_work_id = work.id
            work.participant_id = leg.participant_id
        if work.active and not work.accepted and self._accept(rec, work):
            with self.books.edit(rec):
                t.state = TransferState.ACCEPTED
            log.info("transfer accepted", workItemId=rec.work_item_id, agentWorkId=work.id)

    # -- disconnected ---------------------------------------------------------------------------------
    def _leg_disconnected(self, rec: WorkItemRecord, leg: LegRecord, was_connected: bool) -> None:
        t = rec.transfer
        if t and t.state is TransferState.REQUESTED and not was_connected and (
                leg.participant_id == t.receiver_participant_id or leg.genesys_user_id == t.receiver_genesys_user_id):
            self._transfer_declined(rec, t, leg.disconnect_type)
            return
        if not was_connected:
            return  # an alert that timed out or was declined: Genesys re-routes, Salesforce has no work yet
        work = rec.agent_works.get(leg.agent_work_id) if leg.agent_work_id else None
        if work is None or not work.active or work.close_requested:
            return
        if leg.transferred_out or (leg.disconnect_type or "").lower().startswith("transfer"):
            log.info("sender leg ended by transfer", workItemId=rec.work_item_id, participantId=leg.participant_id)
            return
        if t and t.sender_participant_id == leg.participant_id and t.state in (TransferState.REQUESTED,
                                                                               TransferState.ACCEPTED):
            return
        self._close_work(rec, work, "disconnected in Genesys Cloud")

    def _close_work(self, rec: WorkItemRecord, work: AgentWorkRecord, why: str) -> None:
        try:
            self.salesforce.toolkit(work.user_id, "closeAgentWork", {"workId": work.id})
        except PlatformError as exc:
            log.warning("close refused", workItemId=rec.work_item_id, agentWorkId=work.id, status=exc.status,
                        detail=exc.detail[:200])
            return
        with self.books.edit(rec):
            work.close_requested = True
        log.info("agent work closed", workItemId=rec.work_item_id, agentWorkId=work.id, reason=why)

    def _transfer_declined(self, rec: WorkItemRecord, t: TransferRecord, disconnect_type: str | None) -> None:
        work = rec.agent_works.get(t.agent_work_id)
        reason = "Alert timed out in Genesys Cloud" if _is_timeout(disconnect_type) else "Declined in Genesys Cloud"
        if work is not None and work.active and not work.decline_requested:
            try:
                self.salesforce.toolkit(work.user_id, "declineAgentWork",
                                        {"workId": work.id, "declineReason": reason})
                with self.books.edit(rec):
                    work.decline_requested = True
                log.info("transfer declined", workItemId=rec.work_item_id, agentWorkId=work.id, reason=reason)
            except PlatformError as exc:
                log.warning("decline refused", workItemId=rec.work_item_id, agentWorkId=work.id, status=exc.status,
                            detail=exc.detail[:200])
        self._end_transfer(rec, t, TransferState.DECLINED)

    def _end_transfer(self, rec: WorkItemRecord, t: TransferRecord, state: TransferState) -> None:
        """The sender keeps the chat: their leg is theirs again, and a later disconnect closes their work."""
        with self.books.edit(rec):
            t.state = state
            sender = rec.legs.get(t.sender_participant_id or "")
            if sender is not None:
                sender.transferred_out = False
        sender = rec.legs.get(t.sender_participant_id or "")
        if sender is not None and sender.state is LegState.DISCONNECTED:
            # The sender left while the transfer was pending; nobody has the chat in Genesys any more.
            work = rec.agent_works.get(sender.agent_work_id or "")
            if work is not None and work.active and not work.close_requested:
                self._close_work(rec, work, "sender left during a declined transfer")

    # =============================================================================================
    # Salesforce change events
    # =============================================================================================
    def on_change(self, event: ChangeEvent) -> None:
        if event.entity == "PendingServiceRouting":
            self._on_psr(event)
        elif event.entity == "AgentWork":
            self._on_agent_work(event)
        elif event.entity == "MessagingSession":
            self._on_messaging_session(event)

    # -- routing requests -------------------------------------------------------------------------------
    def _on_psr(self, event: ChangeEvent) -> None:
        if event.change_type is ChangeType.DELETE:
            self._psr_deleted(event.record_id)
            return
        if event.change_type is ChangeType.GAP:
            return
        fields = event.fields
        if event.change_type is ChangeType.UPDATE:
            # An update matters only when it makes an unknown request ready for routing.
            if _changed(event, "IsReadyForRouting") is not True or self.books.work_item_for_psr(event.record_id):
                return
            fields = self.salesforce.get_record("PendingServiceRouting", event.record_id) or {}
        elif fields.get("IsReadyForRouting") is False:
            return  # created not yet ready; its update will say when
        self.route(event.record_id, fields)

    def route(self, psr_id: str, fields: dict[str, Any], verify: bool = True) -> None:
        """A routing request for a paired queue: raise the chat in Genesys, or move it there on a queue transfer."""
        if fields.get("RoutingModel") not in (None, EXTERNAL_ROUTING):
            return
        group_id = sf_id18(fields.get("GroupId") or fields.get("QueueId"))
        genesys_queue = self.directory.genesys_queue_for_group(group_id)
        wid = sf_id18(fields.get("WorkItemId"))
        if genesys_queue is None or not wid:
            log.debug("routing request not for a paired queue", psrId=psr_id, groupId=group_id)
            return
        rec = self.books.get(wid)
        if rec is not None and psr_id in rec.routed_psrs:
            return  # a duplicate or replayed event
        if rec is not None and rec.conversation_id and not rec.conversation_ended:
            with self.books.edit(rec):
                rec.routed_psrs.append(psr_id)
                rec.psr_id = psr_id
                rec.salesforce_queue_id = group_id
                rec.service_channel_id = sf_id18(fields.get("ServiceChannelId")) or rec.service_channel_id
            if fields.get("IsTransfer"):
                self._transfer_to_queue(rec, genesys_queue, fields)
            else:
                log.info("routing request for a chat already in Genesys", workItemId=wid, psrId=psr_id)
            return
        if verify:
            current = self.salesforce.get_record("PendingServiceRouting", psr_id)
            if current is None:
                log.info("routing request gone before routing", psrId=psr_id, workItemId=wid)
                return
        self._create_conversation(wid, psr_id, group_id, genesys_queue, fields)

    def _create_conversation(self, wid: str, psr_id: str, group_id: str | None, genesys_queue: str,
                             fields: dict[str, Any]) -> None:
        pair = self.directory.pair_for_group(group_id)
        rec = self.books.ensure(wid, pair.media if pair else media_of_work_item(wid))
        with self.books.edit(rec):
            rec.media = pair.media if pair else rec.media
            rec.routed_psrs.append(psr_id)
            rec.psr_id = psr_id
            rec.salesforce_queue_id = group_id
            rec.genesys_queue_id = genesys_queue
            rec.service_channel_id = sf_id18(fields.get("ServiceChannelId")) or rec.service_channel_id
            rec.conversation_id = None
            rec.conversation_ended = False
            rec.creating = True
            rec.finished = False
        if rec.media == MESSAGING:
            self._raise_message(rec, psr_id, pair.open_messaging_integration if pair else None)
            return
        try:
            conversation_id = self.genesys.create_chat(genesys_queue, wid)
        except PlatformError as exc:
            log.error("chat creation refused", workItemId=wid, psrId=psr_id, status=exc.status,
                      detail=exc.detail[:300])
            with self.books.edit(rec):
                rec.creating = False
                rec.routed_psrs.remove(psr_id)
            return
        with self.books.edit(rec):
            # A conversation event may already have adopted the chat while the call was answering.
            rec.conversation_id = rec.conversation_id or conversation_id
            rec.creating = False
        log.info("chat raised in Genesys", workItemId=wid, psrId=psr_id, conversationId=conversation_id,
                 queueId=genesys_queue)

    def _raise_message(self, rec: WorkItemRecord, psr_id: str, integration: str | None) -> None:
        """Raise a messaging session in Genesys as the customer's inbound open message on the pair's integration.

        The message id is the routing request's, so a retry (a replayed event, a restart between the call and
        its answer) is the same message to Genesys and raises nothing new. A customer coming back is the same
        `from.id`, so Genesys brings back the conversation it already had with them.
        """
        wid = rec.work_item_id

        def give_up(why: str, **details: Any) -> None:
            log.error(why, workItemId=wid, psrId=psr_id, **details)
            with self.books.edit(rec):
                rec.creating = False
                if psr_id in rec.routed_psrs:
                    rec.routed_psrs.remove(psr_id)

        integration_id = self._integration_id(integration)
        if integration_id is None:
            give_up("open messaging integration not found", integration=integration)
            return
        try:
            session = self.salesforce.get_record("MessagingSession", wid)
            end_user_id = sf_id18((session or {}).get("MessagingEndUserId"))
            end_user = self.salesforce.get_record("MessagingEndUser", end_user_id) if end_user_id else None
        except PlatformError as exc:
            give_up("messaging session lookup failed", status=exc.status, detail=exc.detail[:300])
            return
        if session is None or not end_user_id:
            give_up("messaging session without an end user")
            return
        body = open_message_body(end_user_id, (end_user or {}).get("Name"), psr_id, wid, inbound_text(session))
        with self.books.edit(rec):
            rec.messaging_end_user_id = end_user_id
        try:
            conversation_id = self.genesys.send_open_message(integration_id, body)
        except PlatformError as exc:
            give_up("open message refused", status=exc.status, detail=exc.detail[:300])
            return
        for earlier in self.books.holding_conversation(conversation_id):
            if earlier.work_item_id != wid and not earlier.superseded_by:
                with self.books.edit(earlier):
                    earlier.superseded_by = wid
                    earlier.conversation_ended = True
                log.info("customer came back", workItemId=wid, previousWorkItemId=earlier.work_item_id,
                         conversationId=conversation_id)
        with self.books.edit(rec):
            rec.conversation_id = rec.conversation_id or conversation_id
            rec.creating = False
        log.info("message raised in Genesys", workItemId=wid, psrId=psr_id, conversationId=conversation_id,
                 integrationId=integration_id, messagingEndUserId=end_user_id)

    def _integration_id(self, name: str | None) -> str | None:
        found = self.directory.integration_id(name)
        if found is None and name:
            # Created after start-up, or renamed: look once more before giving up on this request.
            try:
                self.directory.integrations.update(self.genesys.open_messaging_integrations())
            except PlatformError as exc:
                log.warning("open messaging integrations lookup failed", status=exc.status)
            found = self.directory.integration_id(name)
        return found

    def _transfer_to_queue(self, rec: WorkItemRecord, genesys_queue: str, fields: dict[str, Any]) -> None:
        view = self._fetch(rec.conversation_id or "", rec.media)
        if view is None or view.ended:
            with self.books.edit(rec):
                rec.conversation_ended = True
                rec.routed_psrs.remove(rec.psr_id or "")
            self.route(rec.psr_id or "", fields, verify=False)
            return
        agent = view.connected_agent()
        if agent is None:
            log.warning("queue transfer without a connected agent", workItemId=rec.work_item_id,
                        conversationId=view.id)
            return
        with self.books.edit(rec):
            leg = rec.legs.get(agent.id)
            if leg is None:
                leg = LegRecord(agent.id, view.id, agent.user_id or "", LegState.CONNECTED)
                rec.legs[agent.id] = leg
            leg.transferred_out = True
            rec.genesys_queue_id = genesys_queue
        try:
            self.genesys.transfer_to_queue(view.id, agent.id, genesys_queue)
        except PlatformError as exc:
            log.error("queue transfer refused", workItemId=rec.work_item_id, conversationId=view.id,
                      status=exc.status, detail=exc.detail[:300])
            with self.books.edit(rec):
                leg.transferred_out = False
            return
        log.info("chat transferred to queue", workItemId=rec.work_item_id, conversationId=view.id,
                 queueId=genesys_queue, fromParticipant=agent.id)

    def _psr_deleted(self, psr_id: str) -> None:
        wid = self.books.work_item_for_psr(psr_id)
        rec = self.books.get(wid)
        if rec is None or rec.psr_id != psr_id or rec.agent_works or rec.conversation_ended or not rec.conversation_id:
            return  # accepted (its AgentWork is in the books) or not ours
        if any(leg.state is LegState.CONNECTED for leg in rec.legs.values()):
            return
        # Deleted before anyone picked it up: the customer left, so the waiting interaction goes too.
        try:
            self.genesys.disconnect_conversation(rec.conversation_id, media=rec.media)
        except PlatformError as exc:
            log.warning("disconnect of abandoned chat refused", workItemId=rec.work_item_id, status=exc.status)
            return
        with self.books.edit(rec):
            rec.conversation_ended = True
        log.info("abandoned chat disconnected", workItemId=rec.work_item_id, conversationId=rec.conversation_id)

    # -- messaging sessions -----------------------------------------------------------------------------
    def _on_messaging_session(self, event: ChangeEvent) -> None:
        """The customer left a session an agent has open: show it in Genesys by ending the customer's leg.

        The agent's leg and AgentWork stay until the agent closes the tab (then the usual close path), as for a
        session the agent ended in the console (END-3). A session still waiting needs nothing here: its routing
        request goes, and that ends the waiting interaction.
        """
        if event.change_type is not ChangeType.UPDATE or _changed(event, "Status") != "Ended":
            return
        rec = self.books.get(event.record_id)
        if rec is None or rec.media != MESSAGING or rec.customer_left or rec.superseded_by or not rec.conversation_id:
            return
        ended_by = event.get("EndedByType")
        if ended_by is None:
            ended_by = (self.salesforce.get_record("MessagingSession", rec.work_item_id) or {}).get("EndedByType")
        if ended_by != ENDED_BY_END_USER:
            return  # ended by the agent in the console: the interaction stays until the tab closes
        opened = any(w.status is AgentWorkStatus.OPENED for w in rec.agent_works.values()) or \
            any(leg.state is LegState.CONNECTED for leg in rec.legs.values())
        if not opened:
            return
        view = self._fetch(rec.conversation_id, rec.media)
        if view is None or (view.work_item_id and view.work_item_id != rec.work_item_id):
            return  # gone, or already carrying the customer's next session
        for customer in view.customers:
            if customer.state is LegState.DISCONNECTED:
                continue
            try:
                self.genesys.disconnect_participant(view.id, customer.id, media=rec.media)
            except PlatformError as exc:
                log.warning("disconnect of the customer refused", workItemId=rec.work_item_id,
                            participantId=customer.id, status=exc.status, detail=exc.detail[:200])
                return
        with self.books.edit(rec):
            rec.customer_left = True
        log.info("customer left the messaging session", workItemId=rec.work_item_id, conversationId=view.id)

    # -- agent work -----------------------------------------------------------------------------------
    def _on_agent_work(self, event: ChangeEvent) -> None:
        if event.change_type is ChangeType.CREATE:
            self._agent_work_created(event)
        elif event.change_type is ChangeType.UPDATE:
            status = AgentWorkStatus.parse(_changed(event, "Status"))
            if status is not None:
                self._agent_work_status(event.record_id, status)

    def _agent_work_created(self, event: ChangeEvent) -> None:
        aw_id = event.record_id
        wid = sf_id18(event.get("WorkItemId"))
        rec = self.books.get(wid)
        if rec is None:
            return  # work the connector does not route
        status = AgentWorkStatus.parse(event.get("Status")) or AgentWorkStatus.ASSIGNED
        if aw_id in rec.agent_works:
            self._agent_work_status(aw_id, status)
            return
        user = sf_id18(event.get("UserId")) or ""
        # An insert of ours whose answer was lost (the connector stopped in between): adopt it.
        for leg in rec.legs.values():
            if leg.insert_started and leg.agent_work_id is None and \
                    self.directory.salesforce_user_for(leg.genesys_user_id) == user:
                with self.books.edit(rec):
                    rec.agent_works[aw_id] = AgentWorkRecord(aw_id, user, WorkOrigin.PICKUP, status, leg.participant_id)
                    leg.agent_work_id = aw_id
                return
        owner = rec.owner_work()
        if owner is None or owner.user_id == user:
            with self.books.edit(rec):
                rec.agent_works[aw_id] = AgentWorkRecord(aw_id, user, WorkOrigin.TRANSFER, status)
            log.warning("agent work not created by the connector and without a sender", workItemId=wid,
                        agentWorkId=aw_id, userId=user)
            return
        self._start_transfer(rec, aw_id, user, owner, status)

    def _start_transfer(self, rec: WorkItemRecord, aw_id: str, receiver: str, owner: AgentWorkRecord,
                        status: AgentWorkStatus) -> None:
        receiver_genesys = self.directory.genesys_user_for(receiver)
        sender_leg = rec.leg_for_work(owner.id)
        with self.books.edit(rec):
            rec.agent_works[aw_id] = AgentWorkRecord(aw_id, receiver, WorkOrigin.TRANSFER, status)
            t = TransferRecord(aw_id, receiver, receiver_genesys, sender_leg.participant_id if sender_leg else None)
            rec.transfer = t
        if receiver_genesys is None or sender_leg is None or sender_leg.state is not LegState.CONNECTED:
            why = "receiver has no Genesys Cloud user" if receiver_genesys is None else "sender is not connected"
            log.warning("transfer cannot be mirrored", workItemId=rec.work_item_id, agentWorkId=aw_id, reason=why)
            self._transfer_failed(rec, t)
            return
        with self.books.edit(rec):
            sender_leg.transferred_out = True
        try:
            self.genesys.transfer_to_agent(sender_leg.conversation_id, sender_leg.participant_id, receiver_genesys)
        except PlatformError as exc:
            log.error("agent transfer refused", workItemId=rec.work_item_id, status=exc.status,
                      detail=exc.detail[:300])
            self._transfer_failed(rec, t)
            return
        log.info("chat transferred to agent", workItemId=rec.work_item_id, conversationId=sender_leg.conversation_id,
                 agentWorkId=aw_id, receiver=receiver_genesys, fromParticipant=sender_leg.participant_id)

    def _transfer_failed(self, rec: WorkItemRecord, t: TransferRecord) -> None:
        work = rec.agent_works.get(t.agent_work_id)
        if work is not None and work.active:
            try:
                self.salesforce.toolkit(work.user_id, "declineAgentWork",
                                        {"workId": work.id, "declineReason": "Transfer not possible in Genesys Cloud"})
                with self.books.edit(rec):
                    work.decline_requested = True
            except PlatformError as exc:
                log.warning("decline refused", workItemId=rec.work_item_id, agentWorkId=work.id, status=exc.status)
        self._end_transfer(rec, t, TransferState.FAILED)

    def _agent_work_status(self, aw_id: str, status: AgentWorkStatus) -> None:
        wid = self.books.work_item_for_work(aw_id)
        rec = self.books.get(wid)
        if rec is None:
            return
        work = rec.agent_works[aw_id]
        if work.status.terminal or work.status is status or (
                status is AgentWorkStatus.ASSIGNED and work.status is AgentWorkStatus.OPENED):
            return
        with self.books.edit(rec):
            work.status = status
            if status is AgentWorkStatus.OPENED:
                work.accepted = True
        log.info("agent work status", workItemId=rec.work_item_id, agentWorkId=aw_id, status=status.value)
        t = rec.transfer
        if status is AgentWorkStatus.OPENED and t and t.agent_work_id == aw_id:
            with self.books.edit(rec):
                t.state = TransferState.ACCEPTED
        elif status is AgentWorkStatus.CLOSED and not work.close_requested:
            self._disconnect_leg_of(rec, work, "work item closed in Salesforce")
        elif status is AgentWorkStatus.TRANSFERRED:
            self._disconnect_leg_of(rec, work, "work transferred in Salesforce")
        elif status.terminal and t and t.agent_work_id == aw_id and t.state is TransferState.REQUESTED:
            # The receiver declined (or the push timed out) in Salesforce: withdraw the Genesys alert.
            self._end_transfer(rec, t, TransferState.DECLINED)
            self._withdraw_alert(rec, t)
        self._update_finished(rec)

    def _disconnect_leg_of(self, rec: WorkItemRecord, work: AgentWorkRecord, why: str) -> None:
        leg = rec.leg_for_work(work.id)
        if leg is None:
            genesys_user = self.directory.genesys_user_for(work.user_id)
            leg = rec.connected_leg_of(genesys_user) if genesys_user else None
        if leg is None or leg.disconnect_requested:
            return
        view = self._fetch(leg.conversation_id, rec.media)
        p = view.participant(leg.participant_id) if view else None
        if p is None or p.state is LegState.DISCONNECTED:
            return  # already gone (the client disconnected first, or Genesys ended the transferred leg)
        try:
            self.genesys.disconnect_participant(leg.conversation_id, leg.participant_id, media=rec.media)
        except PlatformError as exc:
            log.warning("disconnect refused", workItemId=rec.work_item_id, participantId=leg.participant_id,
                        status=exc.status, detail=exc.detail[:200])
            return
        with self.books.edit(rec):
            leg.disconnect_requested = True
        log.info("agent leg disconnected", workItemId=rec.work_item_id, conversationId=leg.conversation_id,
                 participantId=leg.participant_id, reason=why)

    def _withdraw_alert(self, rec: WorkItemRecord, t: TransferRecord) -> None:
        if not t.receiver_participant_id:
            return
        leg = rec.legs.get(t.receiver_participant_id)
        if leg is None or leg.state is not LegState.ALERTING:
            return
        try:
            self.genesys.disconnect_participant(leg.conversation_id, leg.participant_id, media=rec.media)
        except PlatformError as exc:
            log.warning("withdrawing the transfer alert refused", workItemId=rec.work_item_id, status=exc.status)

    # =============================================================================================
    # Reconciliation (after a reconnect or a restart) and housekeeping
    # =============================================================================================
    def _fetch(self, conversation_id: str, media: str = "chat") -> ConversationView | None:
        try:
            body = self.genesys.get_conversation(conversation_id, media=media)
        except PlatformError as exc:
            log.warning("conversation fetch failed", conversationId=conversation_id, status=exc.status)
            return None
        return conversation_view(body) if body else None

    def reconcile(self, work_item_id: str) -> None:
        """Bring one tracked work item up to date from the platforms (events may have been missed)."""
        rec = self.books.get(work_item_id)
        if rec is None or rec.finished:
            return
        if rec.creating and not rec.conversation_id and rec.psr_id:
            # Stopped between recording the intent and learning the conversation id: route again.
            psr = self.salesforce.get_record("PendingServiceRouting", rec.psr_id)
            with self.books.edit(rec):
                rec.creating = False
                if rec.psr_id in rec.routed_psrs:
                    rec.routed_psrs.remove(rec.psr_id)
            if psr:
                self.route(rec.psr_id, psr, verify=False)
            return
        if rec.conversation_id:
            view = self._fetch(rec.conversation_id, rec.media)
            if view is not None:
                self.on_conversation(view)

    def _update_finished(self, rec: WorkItemRecord) -> None:
        done = rec.conversation_ended and not rec.creating and all(not w.active for w in rec.agent_works.values()) \
            and all(leg.state is LegState.DISCONNECTED for leg in rec.legs.values())
        if done != rec.finished:
            with self.books.edit(rec):
                rec.finished = done
                rec.updated = time.time()
