"""Conversation rules of the Genesys fake: chat creation, ACD offering, answer/disconnect, wrap-up and transfer.

Held by the org root (`GenesysFake.conversations`); every method that changes state runs under the org lock and
emits one journal event per state change (`conversation.changed` / `conversation.wrapup`, see the event catalogue).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from omni_harness.fakes.core.clock import Timer

from ..errors import (
    communication_not_found,
    communication_state_required,
    configured,
    conversation_not_found,
    conversation_state_not_settable,
    create_field_required,
    create_queue_not_found,
    no_active_conversation,
    not_a_user,
    not_active_participant,
    participant_not_found,
    participant_state_not_settable,
    transfer_address_invalid,
    transfer_destination_required,
    transfer_in_progress,
    transfer_not_connected,
    transfer_queue_not_found,
    transfer_to_holder,
    transfer_user_not_found,
    wrapup_cannot_skip,
    wrapup_code_required,
    wrapup_not_applicable,
)
from ..views import serialize, topics
from .conversations import (
    MESSAGE_PROVIDER,
    WEBCHAT_PROVIDER,
    Conversation,
    DisconnectType,
    Media,
    OpenThread,
    Participant,
    Purpose,
    State,
    TransferType,
)
from .org import DEFAULT_ACW_TIMEOUT_MS, Queue, User, WrapupCode
from .presence import ON_QUEUE, RoutingStatus
from .tokens import Principal

if TYPE_CHECKING:
    from collections.abc import Callable

    from .base import OrgRoot
    from .users import UserBackend

    AddMessage = Callable[[Conversation, Participant], None]  # records a message of the customer leg

MAX_RECENT_TRANSFERS = 20
# `GET /conversations?communicationType=`: the media of this org; any other type has no conversations here.
MEDIA_BY_COMMUNICATION_TYPE = {"chat": Media.CHAT, "message": Media.MESSAGE}


class ConversationBackend:
    """Conversations, the ACD and wrap-up of one org; changes routing status through `users`."""

    def __init__(self, root: OrgRoot, users: UserBackend) -> None:
        self.root = root
        self.users = users
        self._timers: dict[tuple[str, str], Timer] = {}
        self.reset()

    def reset(self) -> None:
        """Forget every conversation and cancel their timers (the org root resets under its lock)."""
        for timer in self._timers.values():
            timer.cancel()
        self.by_id: dict[str, Conversation] = {}
        self.waiting: dict[str, list[str]] = {}  # queue id -> conversation ids waiting for an agent, oldest first
        self.user_conversations: dict[str, set[str]] = {}
        self.pending_consults: dict[str, dict[str, Any]] = {}  # conversation id -> attended transfer in progress
        self._timers = {}

    # -- lookups ---------------------------------------------------------------------------------
    def get_conversation(self, conversation_id: str, media: Media | None = None) -> Conversation:
        conv = self.by_id.get(conversation_id)
        if conv is None or (media is not None and conv.media is not media):
            raise conversation_not_found()
        return conv

    def get_participant(self, conversation_id: str, participant_id: str,
                        media: Media | None = None) -> tuple[Conversation, Participant]:
        conv = self.get_conversation(conversation_id, media)
        p = conv.participant(participant_id)
        if p is None:
            raise participant_not_found()
        return conv, p

    def get_communication(self, conversation_id: str, participant_id: str, communication_id: str | None,
                          media: Media | None = None) -> tuple[Conversation, Participant]:
        """The participant whose communication `communication_id` is (None: the participant alone)."""
        conv, p = self.get_participant(conversation_id, participant_id, media)
        if communication_id is not None and communication_id != p.comm_id:
            raise communication_not_found()
        return conv, p

    def user_busy(self, user_id: str) -> bool:
        """Alerting, connected, or owing wrap-up on any interaction."""
        for cid in self.user_conversations.get(user_id, ()):
            conv = self.by_id.get(cid)
            if conv is None:
                continue
            for p in conv.agents():
                if p.user_id == user_id and (p.active or p.in_acw):
                    return True
        return False

    def list_conversations(self, principal: Principal, media: Media | None) -> list[Conversation]:
        """The logged-in user's conversations that are active or still owe wrap-up."""
        if principal.user_id is None:
            if self.root.config.conversation_list_needs_user:
                raise not_a_user()
            return []
        with self.root.lock:
            out = []
            for cid in sorted(self.user_conversations.get(principal.user_id, ()),
                              key=lambda c: self.by_id[c].age_key):
                conv = self.by_id[cid]
                if media is not None and conv.media is not media:
                    continue
                if any(p.user_id == principal.user_id and (p.active or p.in_acw) for p in conv.agents()):
                    out.append(conv)
            return out

    def list_conversations_of_type(self, principal: Principal, communication_type: str | None) -> list[Conversation]:
        """`GET /conversations?communicationType=`: chat and message are the only media of this org."""
        if not communication_type:
            return self.list_conversations(principal, None)
        media = MEDIA_BY_COMMUNICATION_TYPE.get(communication_type)
        return [] if media is None else self.list_conversations(principal, media)

    def check_actor(self, principal: Principal, conv: Conversation, p: Participant | None) -> None:
        self._check_actor(principal, conv, p)

    def _check_actor(self, principal: Principal, conv: Conversation, p: Participant | None) -> None:
        """A user token acts only on its own participant (inferred); the integration's token acts on any."""
        if principal.user_id is None or not self.root.config.user_token_own_participant_only:
            return
        if p is not None and p.user_id == principal.user_id:
            return
        if p is None and any(a.user_id == principal.user_id and a.active for a in conv.agents()):
            return
        raise not_active_participant()

    # -- events ----------------------------------------------------------------------------------
    def _changed(self, conv: Conversation, change: str, p: Participant | None, previous_queue_id: str | None = None) -> None:
        self.root.emit_change("conversation.changed", {
            "conversationId": conv.id, "mediaType": conv.media.value, "queueId": conv.queue_id, "change": change,
            "participantId": p.id if p else None, "userId": p.user_id if p else None,
            "state": p.state.value if p else None,
            "disconnectType": p.disconnect_type.value if p and p.disconnect_type else None,
            "conversation": serialize.media_conversation(self.root, conv),
            "topics": topics.conversation_topics(self.root, conv, previous_queue_id),
        })

    def _now(self) -> float:
        return self.root.clock.time()

    # -- creation --------------------------------------------------------------------------------
    def create_conversation(self, principal: Principal, media: Media, queue_id: str | None, provider: str | None,
                            attributes: dict[str, str] | None, customer_name: str | None) -> Conversation:
        prefix = "chat" if media is Media.CHAT else "message"
        if not queue_id:
            raise create_field_required(prefix, "queueid")
        if not provider:
            raise create_field_required(prefix, "provider")
        with self.root.lock:
            queue = self.root.org.queues.get(queue_id)
            if queue is None:
                raise create_queue_not_found(prefix)
            now = self._now()
            ids = self.root.ids
            conv = Conversation(id=ids.uuid(), media=media, queue_id=queue.id, start_time=now,
                                order=len(self.by_id))
            conv.participants.append(Participant(
                id=ids.uuid(), purpose=Purpose.CUSTOMER, comm_id=ids.uuid(), start_time=now, state=State.CONNECTED,
                name=customer_name or "Customer", queue_id=queue.id, connected_time=now,
                provider=provider or (WEBCHAT_PROVIDER if media is Media.CHAT else MESSAGE_PROVIDER),
                attributes=dict(attributes or {})))
            conv.participants.append(self._new_acd(conv, queue, now))
            self.by_id[conv.id] = conv
            self._changed(conv, "created", conv.participants[0])
            self.route_conversation(conv)
            return conv

    # -- Open Messaging ----------------------------------------------------------------------------
    def create_open(self, thread: OpenThread, queue_id: str, attributes: dict[str, str], customer_name: str,
                    add_message: AddMessage) -> Conversation:
        """A new Open Messaging conversation: the customer (type open) with their first message, an ACD leg in the
        flow's queue, offered."""
        queue = self.root.org.queues[queue_id]
        now = self._now()
        ids = self.root.ids
        conv = Conversation(id=ids.uuid(), media=Media.MESSAGE, queue_id=queue.id, start_time=now,
                            order=len(self.by_id), open=thread)
        conv.participants.append(Participant(
            id=ids.uuid(), purpose=Purpose.CUSTOMER, comm_id=ids.uuid(), start_time=now, state=State.CONNECTED,
            name=customer_name, queue_id=queue.id, connected_time=now, provider=MESSAGE_PROVIDER,
            attributes=dict(attributes)))
        conv.participants.append(self._new_acd(conv, queue, now))
        self.by_id[conv.id] = conv
        add_message(conv, conv.participants[0])
        self._changed(conv, "created", conv.participants[0])
        self.route_conversation(conv)
        return conv

    def rejoin_customer(self, conv: Conversation, attributes: dict[str, str], add_message: AddMessage) -> None:
        """A message of the customer on their active conversation: new custom attributes are merged, and a customer
        leg that was disconnected (the customer had left) is connected again (inferred)."""
        customer = conv.customer
        assert customer is not None
        customer.attributes.update(attributes)
        add_message(conv, customer)
        if customer.state is not State.CONNECTED:
            customer.state, customer.connected_time = State.CONNECTED, self._now()
            customer.end_time, customer.disconnect_type = None, None
            self._changed(conv, "participant.connected", customer)
        else:
            self._changed(conv, "message", customer)

    def reroute_open(self, conv: Conversation, queue_id: str, attributes: dict[str, str],
                     add_message: AddMessage) -> None:
        """The customer wrote again within the window after the conversation ended: the SAME conversation is routed
        again (a new ACD leg in the flow's queue, then a new agent leg), the customer's attributes updated."""
        queue = self.root.org.queues[queue_id]
        now = self._now()
        customer = conv.customer
        assert customer is not None
        # inferred: the customer leg comes back connected rather than a second customer participant being added
        customer.state, customer.connected_time, customer.end_time, customer.disconnect_type = (
            State.CONNECTED, now, None, None)
        customer.attributes.update(attributes)
        conv.end_time = None
        previous = conv.queue_id
        conv.queue_id = queue.id
        conv.participants.append(self._new_acd(conv, queue, now))
        add_message(conv, customer)
        self._changed(conv, "rerouted", customer, previous if previous != queue.id else None)
        self.route_conversation(conv)

    def message_added(self, conv: Conversation, p: Participant | None) -> None:
        """A message joined the conversation (or one's status changed): every subscriber sees the new `messages`."""
        self._changed(conv, "message", p)

    def _new_acd(self, conv: Conversation, queue: Queue, now: float) -> Participant:
        ids = self.root.ids
        return Participant(id=ids.uuid(), purpose=Purpose.ACD, comm_id=ids.uuid(), start_time=now,
                           state=State.CONNECTED, name=queue.name, queue_id=queue.id, connected_time=now,
                           provider=conv.customer.provider if conv.customer else None)

    # -- ACD -------------------------------------------------------------------------------------
    def _candidates(self, queue: Queue, conv: Conversation) -> list[User]:
        on_conv = {p.user_id for p in conv.agents(State.ALERTING, State.CONNECTED)}
        out = []
        for order, (uid, member) in enumerate(queue.members.items()):
            user = self.root.org.users.get(uid)
            if (user is None or not member.joined or uid in on_conv or user.presence_id != ON_QUEUE.id
                    or user.routing_status is not RoutingStatus.IDLE):
                continue
            out.append((user.idle_since, order, user))
        return [u for _, _, u in sorted(out, key=lambda t: (t[0], t[1]))]

    def route_conversation(self, conv: Conversation) -> bool:
        """Offer a waiting interaction to the longest-idle On Queue, IDLE member; True if it was offered."""
        acd = conv.active_acd
        if conv.ended or acd is None:
            return False
        if any(p.consult_from == acd.id for p in conv.agents(State.ALERTING)):
            return False  # already offered
        queue = self.root.org.queues.get(acd.queue_id or "")
        if queue is None:
            return False
        waiting = self.waiting.setdefault(queue.id, [])
        candidates = self._candidates(queue, conv)
        if not candidates:
            if conv.id not in waiting:
                # TimestampAndPriority: the oldest interaction is served first, also after it bounced back
                waiting.append(conv.id)
                waiting.sort(key=lambda cid: self.by_id[cid].age_key)
            return False
        if conv.id in waiting:
            waiting.remove(conv.id)
        self._alert(conv, candidates[0], queue, {}, offered_by=acd.id)
        return True

    def route_queue(self, queue: Queue) -> None:
        for cid in list(self.waiting.get(queue.id, [])):
            conv = self.by_id.get(cid)
            if conv is None:
                continue
            if not self.route_conversation(conv) and conv.active_acd is not None:
                break  # nobody is free in this queue

    def route_for_user(self, user: User) -> None:
        """A user became IDLE: offer the oldest interaction waiting in one of their queues."""
        waiting: list[Conversation] = []
        for queue in self.root.org.queues_of(user.id):
            if not queue.members[user.id].joined:
                continue
            waiting += [self.by_id[c] for c in self.waiting.get(queue.id, []) if c in self.by_id]
        for conv in sorted(waiting, key=lambda c: c.age_key):
            if user.routing_status is not RoutingStatus.IDLE:
                return
            self.route_conversation(conv)

    def _alert(self, conv: Conversation, user: User, queue: Queue, attributes: dict[str, str],
               offered_by: str | None = None, change: str = "participant.alerting") -> Participant:
        now = self._now()
        ids = self.root.ids
        prompt = queue.wrapup_prompt
        p = Participant(
            id=ids.uuid(), purpose=Purpose.AGENT, comm_id=ids.uuid(), start_time=now, state=State.ALERTING,
            name=user.name, user_id=user.id, queue_id=queue.id, start_alerting_time=now,
            provider=conv.customer.provider if conv.customer else None, attributes=dict(attributes),
            wrapup_required=prompt.required, wrapup_prompt=prompt.participant_value,
            wrapup_timeout_ms=(queue.acw_timeout_ms or DEFAULT_ACW_TIMEOUT_MS) if prompt.timed else None,
            alerting_timeout_ms=queue.alerting_timeout_for(conv.media.value) * 1000, consult_from=offered_by)
        conv.participants.append(p)
        self.user_conversations.setdefault(user.id, set()).add(conv.id)
        generation = self.root.generation
        self._timers[(p.id, "alert")] = self.root.clock.call_later(
            queue.alerting_timeout_for(conv.media.value), lambda: self._on_alert_timeout(generation, conv.id, p.id),
            name=f"genesys alert timeout {p.id}")
        if change:  # a transfer emits its own single event and refreshes the receiver itself
            self._changed(conv, change, p)
            self.users.refresh_routing_status(user)
        return p

    def _cancel_timer(self, pid: str, kind: str) -> None:
        timer = self._timers.pop((pid, kind), None)
        if timer is not None:
            timer.cancel()

    def _on_alert_timeout(self, generation: int, conversation_id: str, participant_id: str) -> None:
        with self.root.timer_context():
            if generation != self.root.generation:
                return
            self._timers.pop((participant_id, "alert"), None)
            conv = self.by_id.get(conversation_id)
            p = conv.participant(participant_id) if conv else None
            if conv is None or p is None or p.state is not State.ALERTING:
                return
            self._end_alert(conv, p, DisconnectType.SYSTEM, not_responding=True)

    def _end_alert(self, conv: Conversation, p: Participant, how: DisconnectType, not_responding: bool) -> None:
        """A missed or declined offer: the leg ends, the agent may go NOT_RESPONDING, the work moves on."""
        self._cancel_timer(p.id, "alert")
        now = self._now()
        p.state, p.disconnect_type, p.end_time = State.DISCONNECTED, how, now
        p.wrapup_required = False  # nothing to wrap up for an offer that never connected
        consult = self.pending_consults.get(conv.id)
        cancelled_consult = consult is not None and p.consult_from in (consult["sender"], consult.get("acd"))
        if cancelled_consult:
            # Attended transfer: the chat stays with the sender.
            self._finish_consult(conv, "Failed" if how is DisconnectType.CLIENT else "Timeout", cancel=True, now=now)
        self._changed(conv, "participant.disconnected", p)
        user = self.root.org.users.get(p.user_id or "")
        if user is not None:
            if not_responding and user.presence_id == ON_QUEUE.id and not self.user_busy(user.id):
                if user.routing_status is not RoutingStatus.NOT_RESPONDING:
                    self.users.set_routing_status(user, RoutingStatus.NOT_RESPONDING)
            else:
                self.users.refresh_routing_status(user)
        if cancelled_consult or conv.ended:
            return
        if conv.active_acd is not None:
            self.route_conversation(conv)
        elif not conv.agents(State.ALERTING, State.CONNECTED):
            # inferred: an unanswered direct transfer goes back to the conversation's queue
            queue = self.root.org.queues.get(conv.queue_id)
            if queue is not None:
                conv.participants.append(self._new_acd(conv, queue, now))
                self._changed(conv, "transferred", conv.participants[-1])
                self.route_conversation(conv)

    def _finish_consult(self, conv: Conversation, state: str, cancel: bool, now: float) -> None:
        consult = self.pending_consults.pop(conv.id, None)
        if consult is None:
            return
        for t in conv.recent_transfers:
            if t["id"] == consult["transferId"]:
                t["state"] = state
        if cancel and consult.get("acd"):
            acd = conv.participant(consult["acd"])
            if acd is not None and acd.state is State.CONNECTED:
                acd.state, acd.disconnect_type, acd.end_time = State.DISCONNECTED, DisconnectType.TRANSFER, now
                if conv.id in self.waiting.get(acd.queue_id or "", []):
                    self.waiting[acd.queue_id or ""].remove(conv.id)
            previous = consult.get("previousQueueId")
            if previous:
                conv.queue_id = previous

    # -- participant state -----------------------------------------------------------------------
    def patch_participant(self, principal: Principal, conversation_id: str, participant_id: str,
                          media: Media | None, state: str | None = None, wrapup: dict[str, Any] | None = None,
                          wrapup_skipped: bool | None = None) -> None:
        with self.root.lock:
            conv, p = self.get_participant(conversation_id, participant_id, media)
            self._check_actor(principal, conv, p)
            if state is not None:
                self._set_state(conv, p, State(state))
            if wrapup is not None:
                self._apply_wrapup(conv, p, wrapup)
            if wrapup_skipped:
                self._skip_wrapup(conv, p)

    def _set_state(self, conv: Conversation, p: Participant, state: State) -> None:
        if state is State.CONNECTED:
            if p.state is State.CONNECTED:
                return  # already answered
            if p.state is not State.ALERTING or p.purpose is not Purpose.AGENT:
                raise no_active_conversation("connect")
            self._answer(conv, p)
        elif state is State.DISCONNECTED:
            if not p.active:
                raise no_active_conversation("disconnect")
            if p.state is State.ALERTING:
                self._end_alert(conv, p, DisconnectType.CLIENT, not_responding=self.root.config.decline_sets_not_responding)
            elif p.purpose is Purpose.AGENT:
                self._end_agent_leg(conv, p, DisconnectType.CLIENT, change="participant.disconnected")
            elif p.purpose is Purpose.CUSTOMER and conv.open is not None:
                self._end_customer_leg(conv, p)
            else:
                self._end_conversation(conv, p, DisconnectType.CLIENT)
        else:
            raise participant_state_not_settable(state.value)

    def _answer(self, conv: Conversation, p: Participant) -> None:
        self._cancel_timer(p.id, "alert")
        now = self._now()
        p.state, p.connected_time = State.CONNECTED, now
        acd = conv.active_acd
        if acd is not None:
            acd.state, acd.disconnect_type, acd.end_time = State.DISCONNECTED, DisconnectType.TRANSFER, now
            waiting = self.waiting.get(acd.queue_id or "", [])
            if conv.id in waiting:
                waiting.remove(conv.id)
        sender: Participant | None = None
        consult = self.pending_consults.get(conv.id)
        if consult is not None and p.consult_from in (consult["sender"], consult.get("acd")):
            sender = conv.participant(consult["sender"])
            self._finish_consult(conv, "Complete", cancel=False, now=now)
            if sender is not None and sender.state is State.CONNECTED:
                self._close_leg(sender, DisconnectType.TRANSFER, now)
            else:
                sender = None
        self._changed(conv, "participant.connected", p)
        if sender is not None:
            self._after_leg(sender)

    def _close_leg(self, p: Participant, how: DisconnectType, now: float) -> None:
        """End a connected agent leg and start its after-call work when the queue asks for it."""
        p.state, p.disconnect_type, p.end_time = State.DISCONNECTED, how, now
        if p.wrapup is None and p.wrapup_required:
            p.start_acw_time = now
            if p.wrapup_timeout_ms:
                generation = self.root.generation
                self._timers[(p.id, "acw")] = self.root.clock.call_later(
                    p.wrapup_timeout_ms / 1000, lambda: self._on_acw_timeout(generation, p.id),
                    name=f"genesys acw timeout {p.id}")

    def _after_leg(self, p: Participant) -> None:
        user = self.root.org.users.get(p.user_id or "")
        if user is not None:
            self.users.refresh_routing_status(user)

    def _end_agent_leg(self, conv: Conversation, p: Participant, how: DisconnectType, change: str) -> None:
        now = self._now()
        self._close_leg(p, how, now)
        others = [a for a in conv.agents(State.ALERTING, State.CONNECTED) if a.id != p.id]
        consult = self.pending_consults.get(conv.id)
        if consult is not None and consult["sender"] == p.id:
            # the sender left during an attended transfer: it becomes unattended
            self._finish_consult(conv, "Complete", cancel=False, now=now)
        if not others and conv.active_acd is None:
            self._close_remaining(conv, DisconnectType.PEER, now)
        self._changed(conv, change, p)
        self._after_leg(p)

    def _end_customer_leg(self, conv: Conversation, p: Participant) -> None:
        """Open Messaging: the integration disconnects the customer leg (the customer left); the agent leg stays
        until the agent disconnects, and with nobody left the conversation ends."""
        now = self._now()
        p.state, p.disconnect_type, p.end_time = State.DISCONNECTED, DisconnectType.CLIENT, now
        if not any(other.active for other in conv.participants):
            conv.end_time = now
        self._changed(conv, "participant.disconnected", p)

    def _close_remaining(self, conv: Conversation, how: DisconnectType, now: float) -> list[Participant]:
        """Disconnect every active participant and end the conversation; returns the agents whose leg ended."""
        ended = []
        for other in conv.participants:
            if not other.active:
                continue
            self._cancel_timer(other.id, "alert")
            if other.purpose is Purpose.AGENT and other.state is State.CONNECTED:
                self._close_leg(other, how, now)
            else:
                other.state, other.disconnect_type, other.end_time = State.DISCONNECTED, how, now
                if other.purpose is Purpose.AGENT:
                    other.wrapup_required = False
            if other.purpose is Purpose.AGENT:
                ended.append(other)
        for queue_waiting in self.waiting.values():
            if conv.id in queue_waiting:
                queue_waiting.remove(conv.id)
        self.pending_consults.pop(conv.id, None)
        conv.end_time = now
        return ended

    def _end_conversation(self, conv: Conversation, by: Participant | None, how: DisconnectType) -> None:
        """The customer left or someone ended the whole conversation: every leg ends."""
        now = self._now()
        agents_before = [a for a in conv.agents() if a.active]
        if by is not None and by.active:
            by.state, by.disconnect_type, by.end_time = State.DISCONNECTED, how, now
        ended = self._close_remaining(conv, DisconnectType.PEER if by is not None else how, now)
        focus = by or next((a for a in agents_before if a.connected_time), None) or conv.customer
        self._changed(conv, "participant.disconnected", focus)
        for agent in ended:
            self._after_leg(agent)

    def patch_conversation(self, principal: Principal, conversation_id: str, media: Media | None,
                           state: str | None) -> Conversation:
        """`PATCH /conversations/chats/{id}`: disconnecting is the only change a client can make to a whole chat."""
        if state != State.DISCONNECTED.value:
            raise conversation_state_not_settable()
        return self.disconnect_conversation(principal, conversation_id, media)

    def disconnect_conversation(self, principal: Principal, conversation_id: str, media: Media | None) -> Conversation:
        """`PATCH /conversations/chats/{id} {"state":"disconnected"}` and `DELETE /conversations/{id}`."""
        with self.root.lock:
            conv = self.get_conversation(conversation_id, media)
            self._check_actor(principal, conv, None)
            if not conv.ended:
                self._end_conversation(conv, None, DisconnectType.CLIENT)
            return conv

    def patch_communication(self, principal: Principal, conversation_id: str, participant_id: str,
                            communication_id: str, media: Media | None, state: str | None) -> None:
        with self.root.lock:
            conv, p = self.get_communication(conversation_id, participant_id, communication_id, media)
            self._check_actor(principal, conv, p)
            if state != State.DISCONNECTED.value:
                raise communication_state_required()
            self._set_state(conv, p, State.DISCONNECTED)

    def patch_participant_attributes(self, principal: Principal, conversation_id: str, participant_id: str,
                                     media: Media | None, attributes: dict[str, str]) -> dict[str, str]:
        with self.root.lock:
            conv, p = self.get_participant(conversation_id, participant_id, media)
            self._check_actor(principal, conv, p)
            p.attributes.update(attributes)
            self._changed(conv, "attributes", p)
            return dict(p.attributes)

    # -- wrap-up ---------------------------------------------------------------------------------
    def allowed_wrapup_codes(self, p: Participant) -> list[WrapupCode]:
        queue = self.root.org.queues.get(p.queue_id or "")
        return [] if queue is None else self.root.org.wrapup_codes_of(queue)

    def participant_wrapup_codes(self, principal: Principal, conversation_id: str, participant_id: str,
                                 media: Media | None) -> list[WrapupCode]:
        with self.root.lock:
            _, p = self.get_participant(conversation_id, participant_id, media)
            return self.allowed_wrapup_codes(p)

    def post_communication_wrapup(self, principal: Principal, conversation_id: str, participant_id: str,
                                  communication_id: str, media: Media | None, wrapup: dict[str, Any]) -> None:
        with self.root.lock:
            conv, p = self.get_communication(conversation_id, participant_id, communication_id, media)
            self._check_actor(principal, conv, p)
            self._apply_wrapup(conv, p, wrapup)

    def _apply_wrapup(self, conv: Conversation, p: Participant, wrapup: dict[str, Any]) -> None:
        if p.purpose is not Purpose.AGENT or p.state is State.ALERTING or (
                p.state is State.DISCONNECTED and p.connected_time is None):
            raise wrapup_not_applicable()
        code_id = wrapup.get("code")
        if not code_id:
            raise wrapup_code_required()
        allowed = {c.id for c in self.allowed_wrapup_codes(p)}
        code = self.root.org.wrapup_codes.get(code_id)
        if code is None or code.id not in allowed:
            raise configured(self.root.config.wrapup_code_not_allowed_error)
        now = self._now()
        started = p.start_acw_time or p.end_time or now
        p.wrapup = {"code": code.id, "name": code.name, "notes": wrapup.get("notes") or None,
                    "tags": list(wrapup.get("tags") or []) or None,
                    "durationSeconds": max(0, int(now - started)), "endTime": self.root.clock.iso(now),
                    "provisional": False}
        if p.state is State.DISCONNECTED and p.end_acw_time is None:
            p.end_acw_time = now if p.start_acw_time is not None else None
        self._cancel_timer(p.id, "acw")
        self._emit_wrapup(conv, p)
        self._after_leg(p)

    def _skip_wrapup(self, conv: Conversation, p: Participant) -> None:
        if p.wrapup_required:
            raise wrapup_cannot_skip()
        if p.wrapup_skipped:
            return
        p.wrapup_skipped = True
        self._changed(conv, "participant.wrapup", p)
        self._after_leg(p)

    def _emit_wrapup(self, conv: Conversation, p: Participant) -> None:
        assert p.wrapup is not None
        self.root.emit_change("conversation.wrapup", {
            "conversationId": conv.id, "participantId": p.id, "userId": p.user_id, "queueId": p.queue_id,
            "code": p.wrapup["code"], "codeName": p.wrapup["name"], "notes": p.wrapup.get("notes"),
            "topics": topics.conversation_topics(self.root, conv),
        })

    def _on_acw_timeout(self, generation: int, participant_id: str) -> None:
        with self.root.timer_context():
            if generation != self.root.generation:
                return
            self._timers.pop((participant_id, "acw"), None)
            for conv in self.by_id.values():
                p = conv.participant(participant_id)
                if p is None:
                    continue
                if not p.in_acw:
                    return
                now = self._now()
                p.wrapup = {"code": self.root.config.acw_timeout_code_id, "name": self.root.config.acw_timeout_code_name,
                            "durationSeconds": max(0, int(now - (p.start_acw_time or now))),
                            "endTime": self.root.clock.iso(now), "provisional": False}
                p.end_acw_time = now
                self._emit_wrapup(conv, p)
                self._after_leg(p)
                return

    # -- transfer --------------------------------------------------------------------------------
    def transfer(self, principal: Principal, conversation_id: str, participant_id: str, media: Media | None,
                 user_id: str | None = None, queue_id: str | None = None, address: str | None = None,
                 transfer_type: str | None = None) -> None:
        """Blind (Unattended, the default) or consult (Attended) transfer of an agent leg to a user or a queue."""
        with self.root.lock:
            conv, p = self.get_participant(conversation_id, participant_id, media)
            self._check_actor(principal, conv, p)
            if principal.is_user and conv.work_item_id:
                raise configured(self.root.config.external_transfer_error)
            if p.purpose is not Purpose.AGENT or p.state is not State.CONNECTED or conv.ended:
                raise transfer_not_connected()
            if conv.id in self.pending_consults:
                raise transfer_in_progress()
            target_user, target_queue = self._transfer_target(user_id, queue_id, address)
            if target_user is not None and target_user.id == p.user_id:
                raise transfer_to_holder()
            attended = TransferType(transfer_type or TransferType.UNATTENDED.value) is TransferType.ATTENDED
            now = self._now()
            transfer = {"id": self.root.ids.uuid(), "state": "Active" if attended else "Complete",
                        "dateIssued": self.root.clock.iso(now),
                        "initiator": {"userId": p.user_id} if p.user_id else {},
                        "destination": ({"userId": target_user.id} if target_user is not None
                                        else {"address": target_queue.id if target_queue else ""}),
                        "transferType": "Attended" if attended else "Unattended"}
            conv.recent_transfers = (conv.recent_transfers + [transfer])[-MAX_RECENT_TRANSFERS:]
            if attended:
                self.pending_consults[conv.id] = {"sender": p.id, "transferId": transfer["id"]}
            else:
                self._close_leg(p, DisconnectType.TRANSFER, now)
            if target_user is not None:
                queue = self.root.org.queues[conv.queue_id]
                customer = conv.customer
                attributes = dict(customer.attributes if customer else {}) | p.attributes
                focus = self._alert(conv, target_user, queue, attributes, offered_by=p.id, change="")
            previous = conv.queue_id
            if target_user is None:
                assert target_queue is not None
                conv.queue_id = target_queue.id
                focus = self._new_acd(conv, target_queue, now)
                conv.participants.append(focus)
                if attended:
                    self.pending_consults[conv.id].update({"acd": focus.id, "previousQueueId": previous})
            self._changed(conv, "transferred", focus, previous)
            if target_user is not None:
                self.users.refresh_routing_status(target_user)
            if not attended:
                self._after_leg(p)
            if target_queue is not None:
                self.route_conversation(conv)

    def _transfer_target(self, user_id: str | None, queue_id: str | None,
                         address: str | None) -> tuple[User | None, Queue | None]:
        if user_id:
            user = self.root.org.users.get(user_id)
            if user is None:
                raise transfer_user_not_found()
            return user, None
        if queue_id:
            queue = self.root.org.queues.get(queue_id)
            if queue is None:
                raise transfer_queue_not_found()
            return None, queue
        if address:
            user = self.root.org.users.get(address) or self.root.org.user_by_email(address)
            if user is not None:
                return user, None
            queue = self.root.org.queues.get(address) or self.root.org.queue_by_name(address)
            if queue is not None:
                return None, queue
            raise transfer_address_invalid()
        raise transfer_destination_required()
