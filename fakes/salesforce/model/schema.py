"""The org's sObject schema: objects, fields, key prefixes and picklists, as describe reports them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from omni_harness import contracts

# Field types as describe names them.
ID, STRING, REFERENCE, PICKLIST, BOOLEAN, DATETIME, DATE, INT, DOUBLE, PERCENT, TEXTAREA, EMAIL, PHONE, URL = (
    "id", "string", "reference", "picklist", "boolean", "datetime", "date", "int", "double", "percent",
    "textarea", "email", "phone", "url")

_SOAP_TYPES = {ID: "tns:ID", REFERENCE: "tns:ID", STRING: "xsd:string", PICKLIST: "xsd:string", TEXTAREA: "xsd:string",
               EMAIL: "xsd:string", PHONE: "xsd:string", URL: "xsd:string", BOOLEAN: "xsd:boolean",
               DATETIME: "xsd:dateTime", DATE: "xsd:date", INT: "xsd:int", DOUBLE: "xsd:double", PERCENT: "xsd:double"}


@dataclass
class Field:
    """One field of an sObject; the attribute names follow describe's field properties."""

    name: str
    label: str
    type: str
    createable: bool = True
    updateable: bool = True
    nillable: bool = True
    required: bool = False  # createable, not nillable and not defaulted: REQUIRED_FIELD_MISSING when absent
    picklist_values: list[str] = field(default_factory=list)
    restricted_picklist: bool = False
    reference_to: list[str] = field(default_factory=list)
    relationship_name: str | None = None
    default: Any = None
    length: int = 0
    auto_number: bool = False
    unique: bool = False
    id_lookup: bool = False
    name_field: bool = False

    @property
    def precision(self) -> int:
        """Total digits a DOUBLE / PERCENT field keeps (its describe's `precision`)."""
        return 18 if self.type in (DOUBLE, PERCENT) else 0

    @property
    def scale(self) -> int:
        """Digits after the decimal point of a DOUBLE / PERCENT field."""
        return 2 if self.type in (DOUBLE, PERCENT) else 0

    @property
    def defaulted_on_create(self) -> bool:
        return self.default is not None or self.auto_number or self.type in (ID,) or self.name in _SYSTEM_FIELDS

    def describe(self) -> dict[str, Any]:
        length = self.length or (18 if self.type in (ID, REFERENCE) else 255 if self.type in (STRING, PICKLIST, EMAIL, URL, PHONE) else 0)
        if self.type == TEXTAREA and not self.length:
            length = 32000
        return {
            "aggregatable": self.type not in (TEXTAREA,),
            "autoNumber": self.auto_number,
            "byteLength": length * 3 if self.type not in (ID, REFERENCE) else length,
            "calculated": False,
            "caseSensitive": False,
            "createable": self.createable,
            "custom": False,
            "defaultValue": self.default if self.type != PICKLIST else None,
            "defaultedOnCreate": self.defaulted_on_create,
            "deprecatedAndHidden": False,
            "digits": 9 if self.type == INT else 0,
            "externalId": False,
            "filterable": self.type != TEXTAREA,
            "groupable": self.type not in (TEXTAREA, DOUBLE, PERCENT, DATETIME),
            "idLookup": self.id_lookup or self.type == ID,
            "label": self.label,
            "length": length,
            "name": self.name,
            "nameField": self.name_field,
            "nillable": self.nillable,
            "picklistValues": [
                {"active": True, "defaultValue": value == self.default, "label": value, "validFor": None, "value": value}
                for value in self.picklist_values
            ],
            "polymorphicForeignKey": len(self.reference_to) > 1,
            "precision": self.precision,
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
            "restrictedPicklist": self.restricted_picklist,
            "scale": self.scale,
            "soapType": _SOAP_TYPES.get(self.type, "xsd:string"),
            "sortable": self.type != TEXTAREA,
            "type": self.type,
            "unique": self.unique,
            "updateable": self.updateable,
        }


@dataclass
class SObjectType:
    """One sObject type; `createable` etc. are the object's calls (`create` in the object reference)."""

    name: str
    label: str
    key_prefix: str
    fields: dict[str, Field]
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    queryable: bool = True
    undeletable: bool = True
    label_plural: str = ""

    def field(self, name: str) -> Field | None:
        """Case-insensitive, as the API treats field names."""
        found = self.fields.get(name)
        if found is not None:
            return found
        lowered = name.lower()
        for candidate in self.fields.values():
            if candidate.name.lower() == lowered:
                return candidate
        return None

    def relationship(self, name: str) -> Field | None:
        lowered = name.lower()
        for candidate in self.fields.values():
            if candidate.relationship_name and candidate.relationship_name.lower() == lowered:
                return candidate
        return None

    def urls(self, version: str) -> dict[str, str]:
        base = f"/services/data/v{version}/sobjects/{self.name}"
        return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}

    def describe_global(self, version: str) -> dict[str, Any]:
        return {
            "activateable": False, "createable": self.createable, "custom": False, "customSetting": False,
            "deepCloneable": False, "deletable": self.deletable, "deprecatedAndHidden": False, "feedEnabled": False,
            "hasSubtypes": False, "isInterface": False, "isSubtype": False, "keyPrefix": self.key_prefix,
            "label": self.label, "labelPlural": self.label_plural or self.label + "s", "layoutable": False,
            "mergeable": False, "mruEnabled": False, "name": self.name, "queryable": self.queryable,
            "replicateable": True, "retrieveable": True, "searchable": False, "triggerable": True,
            "undeletable": self.undeletable, "updateable": self.updateable, "urls": self.urls(version),
        }

    def describe(self, version: str, child_relationships: list[dict[str, Any]]) -> dict[str, Any]:
        out = self.describe_global(version)
        out.update({
            "actionOverrides": [], "childRelationships": child_relationships, "compactLayoutable": False,
            "fields": [f.describe() for f in self.fields.values()], "listviewable": None, "lookupLayoutable": None,
            "namedLayoutInfos": [], "networkScopeFieldName": None, "recordTypeInfos": [], "searchLayoutable": False,
            "supportedScopes": [], "urls": self.urls(version) | {"uiDetailTemplate": None},
        })
        return out


# -- helpers to declare fields -------------------------------------------------------------------

_SYSTEM_FIELDS = ("Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById",
                  "SystemModstamp")


def _f(name: str, type: str = STRING, label: str | None = None, *, create: bool = True, update: bool = True,
       nillable: bool = True, required: bool = False, picklist: list[str] | None = None, restricted: bool = False,
       ref: list[str] | None = None, rel: str | None = None, default: Any = None, length: int = 0,
       auto: bool = False, unique: bool = False, lookup: bool = False, name_field: bool = False) -> Field:
    if type == BOOLEAN:
        nillable = False
        if default is None:
            default = False
    return Field(name=name, label=label or _label(name), type=type, createable=create and not auto,
                 updateable=update and not auto, nillable=nillable, required=required, picklist_values=list(picklist or []),
                 restricted_picklist=restricted, reference_to=list(ref or []), relationship_name=rel, default=default,
                 length=length, auto_number=auto, unique=unique, id_lookup=lookup or unique, name_field=name_field)


def _ro(name: str, type: str = STRING, label: str | None = None, **kw: Any) -> Field:
    """A read-only field (set by the platform only)."""
    return _f(name, type, label, create=False, update=False, **kw)


def _setup_names() -> list[Field]:
    """`DeveloperName` and `MasterLabel`, as every Omni-Channel setup object names itself."""
    return [
        _f("DeveloperName", STRING, "Developer Name", required=True, nillable=False, unique=True, length=80),
        _f("MasterLabel", STRING, "Label", required=True, nillable=False, name_field=True, length=80),
    ]


def _label(name: str) -> str:
    if name.endswith("Id") and len(name) > 2:
        return _label(name[:-2]) + " ID"
    out = ""
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out += " "
        out += ch
    return out


def _system(owner: bool = False) -> list[Field]:
    fields = [
        _ro("Id", ID, "Record ID", nillable=False),
        _ro("IsDeleted", BOOLEAN, "Deleted"),
        _ro("CreatedDate", DATETIME, "Created Date", nillable=False),
        _ro("CreatedById", REFERENCE, "Created By ID", nillable=False, ref=["User"], rel="CreatedBy"),
        _ro("LastModifiedDate", DATETIME, "Last Modified Date", nillable=False),
        _ro("LastModifiedById", REFERENCE, "Last Modified By ID", nillable=False, ref=["User"], rel="LastModifiedBy"),
        _ro("SystemModstamp", DATETIME, "System Modstamp", nillable=False),
    ]
    if owner:
        fields.append(_f("OwnerId", REFERENCE, "Owner ID", nillable=False, ref=["Group", "User"], rel="Owner"))
    return fields


def _object(name: str, label: str, prefix: str, fields: list[Field], *, owner: bool = False, plural: str = "",
            **calls: bool) -> SObjectType:
    all_fields = _system(owner) + fields
    return SObjectType(name=name, label=label, key_prefix=prefix, fields={f.name: f for f in all_fields},
                       label_plural=plural or label + "s", **calls)


# -- closed sets -----------------------------------------------------------------------------------

AGENT_WORK_STATUSES = ["Assigned", "Unavailable", "Declined", "Opened", "Closed", "DeclinedOnPushTimeout", "Canceled",
                       "Transferred"]  # the PushTopic numeric encoding order, 0..7
ROUTING_MODELS = ["ExternalRouting", "LeastActive", "MostAvailable"]
ROUTING_TYPES = ["QueueBased", "SkillsBased"]
CAPACITY_MODELS = ["StatusBased", "TabBased"]
ROUTED_ENTITIES = ["Case", "Lead", "LiveChatTranscript", "MessagingSession", "VoiceCall", "SocialPost", "Task"]
# inferred: the reference confirms InProgress and Completed; the rest is the documented status set.
CHAT_STATUSES = ["Waiting", "InProgress", "Completed", "Missed", "Dropped", "Blocked"]
CHAT_ENDED_BY = ["Agent", "Visitor", "System"]  # inferred
GROUP_TYPES = ["Regular", "Queue", "Role", "RoleAndSubordinates", "Organization", "Manager",
               "ManagerAndSubordinatesInternal", "AllCustomerPortal", "PRMOrganization"]
MESSAGING_STATUSES = ["New", "Waiting", "Active", "Inactive", "Paused", "Ended", "Consent", "Error"]
NOTIFY_FOR_FIELDS = ["All", "Referenced", "Select", "Where"]
USER_TYPES = ["Standard", "AutomatedProcess", "Guest", "PowerPartner", "CsnOnly"]
DECLINE_REASONS_MAX = 255

TIME_ZONES = ["America/Los_Angeles", "America/New_York", "Europe/London", "GMT", "Europe/Paris", "Asia/Tokyo"]
LOCALES = ["en_US", "en_GB", "fr_FR", "de_DE", "ja_JP"]
ENCODINGS = ["UTF-8", "ISO-8859-1"]
LANGUAGES = ["en_US", "fr", "de", "ja"]


def build_schema() -> dict[str, SObjectType]:
    """Every sObject the fake knows, by API name."""
    objects = [
        _object("User", "User", "005", [
            _f("Username", STRING, "Username", required=True, nillable=False, unique=True, length=80),
            _f("FirstName", STRING, "First Name", length=40),
            _f("LastName", STRING, "Last Name", required=True, nillable=False, length=80),
            _ro("Name", STRING, "Full Name", nillable=False, name_field=True, length=121),
            _f("Email", EMAIL, "Email", required=True, nillable=False, length=128),
            _f("Alias", STRING, "Alias", required=True, nillable=False, length=8),
            _f("CommunityNickname", STRING, "Nickname", length=40),
            _f("IsActive", BOOLEAN, "Active", default=True),
            _f("UserType", PICKLIST, "User Type", create=False, update=False, picklist=USER_TYPES, restricted=True,
               default="Standard"),
            _f("TimeZoneSidKey", PICKLIST, "Time Zone", required=True, nillable=False, picklist=TIME_ZONES,
               restricted=True),
            _f("LocaleSidKey", PICKLIST, "Locale", required=True, nillable=False, picklist=LOCALES, restricted=True),
            _f("EmailEncodingKey", PICKLIST, "Email Encoding", required=True, nillable=False, picklist=ENCODINGS,
               restricted=True),
            _f("LanguageLocaleKey", PICKLIST, "Language", required=True, nillable=False, picklist=LANGUAGES,
               restricted=True),
            _f("FederationIdentifier", STRING, "SAML Federation ID", length=512),
        ], deletable=False, undeletable=False),
        _object("Group", "Group", "00G", [
            _f("Name", STRING, "Name", required=True, nillable=False, name_field=True, length=40),
            _f("DeveloperName", STRING, "Developer Name", length=80, unique=True),
            _f("Type", PICKLIST, "Type", required=True, nillable=False, picklist=GROUP_TYPES, restricted=True),
            _f("Email", EMAIL, "Email", length=255),
            _f("DoesSendEmailToMembers", BOOLEAN, "Send Email to Members"),
            _f("DoesIncludeBosses", BOOLEAN, "Include Bosses", default=True),
            _f("QueueRoutingConfigId", REFERENCE, "Routing Configuration ID", ref=["QueueRoutingConfig"],
               rel="QueueRoutingConfig"),
            _ro("RelatedId", REFERENCE, "Related ID", ref=["User"], rel="Related"),
        ], owner=True),
        # inferred key prefix
        _object("QueueRoutingConfig", "Routing Configuration", "0K3", [
            *_setup_names(),
            _f("RoutingModel", PICKLIST, "Routing Model", required=True, nillable=False, picklist=ROUTING_MODELS,
               restricted=True),
            _f("RoutingPriority", INT, "Routing Priority", required=True, nillable=False),
            _f("CapacityWeight", DOUBLE, "Units of Capacity"),
            _f("CapacityPercentage", PERCENT, "Percentage of Capacity"),
            _f("PushTimeout", INT, "Push Time-Out"),
            _f("IsAttributeBased", BOOLEAN, "Attribute Based"),
        ]),
        _object("ServiceChannel", "Service Channel", "0N9", [
            *_setup_names(),
            _f("Language", PICKLIST, "Language", picklist=LANGUAGES, restricted=True),
            _f("RelatedEntity", PICKLIST, "Salesforce Object", required=True, nillable=False,
               picklist=ROUTED_ENTITIES, restricted=True, unique=True),
            _f("CapacityModel", PICKLIST, "Capacity Model", picklist=CAPACITY_MODELS, restricted=True,
               default="TabBased"),
            _f("HasAutoAcceptEnabled", BOOLEAN, "Auto Accept Enabled"),
            _f("DoesMinimizeWidgetOnAccept", BOOLEAN, "Minimize Widget On Accept"),
            _f("SecRoutingPriorityField", STRING, "Secondary Routing Priority Field"),
            _f("StatusField", STRING, "Status Field"),
            _f("HasAfterConvoWorkTimer", BOOLEAN, "After Conversation Work Timer"),
            _f("AfterConvoWorkMaxTime", INT, "After Conversation Work Max Time"),
        ], plural="Service Channels"),
        _object("ServicePresenceStatus", "Presence Status", "0N5", [
            *_setup_names(),
            _f("Language", PICKLIST, "Language", picklist=LANGUAGES, restricted=True),
        ], deletable=False, undeletable=False, plural="Presence Statuses"),
        # inferred key prefix
        _object("ServiceChannelStatus", "Service Channel Status", "0N1", [
            _f("ServiceChannelId", REFERENCE, "Service Channel ID", required=True, nillable=False,
               ref=["ServiceChannel"], rel="ServiceChannel"),
            _f("ServicePresenceStatusId", REFERENCE, "Presence Status ID", required=True, nillable=False,
               ref=["ServicePresenceStatus"], rel="ServicePresenceStatus"),
        ], plural="Service Channel Statuses"),
        # inferred key prefix
        _object("UserServicePresence", "User Presence", "0Hn", [
            _ro("Name", STRING, "Name", auto=True, name_field=True, nillable=False),
            _ro("UserId", REFERENCE, "User ID", nillable=False, ref=["User"], rel="User"),
            _ro("ServicePresenceStatusId", REFERENCE, "Presence Status ID", ref=["ServicePresenceStatus"],
                rel="ServicePresenceStatus"),
            _ro("IsCurrentState", BOOLEAN, "Is Current State"),
            _ro("IsAway", BOOLEAN, "Is Away"),
            _ro("StatusStartDate", DATETIME, "Status Start Date"),
            _ro("StatusEndDate", DATETIME, "Status End Date"),
            _ro("StatusDuration", INT, "Status Duration"),
            _ro("ConfiguredCapacity", INT, "Configured Capacity"),
            _ro("ConfiguredInterruptCapacity", INT, "Configured Interruptible Capacity"),
            _ro("AverageCapacity", DOUBLE, "Average Capacity"),
            _ro("AtCapacityDuration", INT, "At Capacity Duration"),
            _ro("IdleDuration", INT, "Idle Duration"),
        ], owner=True, createable=False, updateable=False, plural="User Presences"),
        _object("PendingServiceRouting", "Pending Service Routing", "0JR", [
            _ro("Name", STRING, "Name", auto=True, name_field=True, nillable=False),
            _f("WorkItemId", REFERENCE, "Work Item ID", required=True, nillable=False, update=False,
               ref=["LiveChatTranscript", "MessagingSession"], rel="WorkItem"),
            _f("ServiceChannelId", REFERENCE, "Service Channel ID", required=True, nillable=False, update=False,
               ref=["ServiceChannel"], rel="ServiceChannel"),
            _f("GroupId", REFERENCE, "Queue ID", ref=["Group"], rel="Group"),
            _f("QueueId", REFERENCE, "Queue ID (deprecated)", ref=["Group"], rel="Queue"),
            _f("RoutingModel", PICKLIST, "Routing Model", required=True, nillable=False, picklist=ROUTING_MODELS,
               restricted=True),
            _f("RoutingType", PICKLIST, "Routing Type", required=True, nillable=False, picklist=ROUTING_TYPES,
               restricted=True),
            _f("IsReadyForRouting", BOOLEAN, "Is Ready for Routing"),
            _ro("IsPushed", BOOLEAN, "Is Pushed"),
            _ro("IsPushAttempted", BOOLEAN, "Is Push Attempted"),
            _ro("IsTransfer", BOOLEAN, "Is Transfer"),
            _ro("LastDeclinedAgentSession", STRING, "Last Declined Agent Session"),
            _ro("Serial", INT, "Serial"),
            _f("CapacityWeight", DOUBLE, "Capacity Weight"),
            _f("CapacityPercentage", PERCENT, "Capacity Percentage"),
            _f("RoutingPriority", INT, "Routing Priority"),
            _f("SecondaryRoutingPriority", INT, "Secondary Routing Priority"),
            _f("PushTimeout", INT, "Push Timeout"),
            _f("PreferredUserId", REFERENCE, "Preferred User ID", ref=["User"], rel="PreferredUser"),
            _f("IsPreferredUserRequired", BOOLEAN, "Is Preferred User Required"),
            _f("CustomRequestedDateTime", DATETIME, "Custom Requested Date Time"),
            _f("DropAdditionalSkillsTimeout", INT, "Drop Additional Skills Timeout"),
            _f("IsInterruptible", BOOLEAN, "Is Interruptible"),
            _ro("IsOwnerChangeInitiated", BOOLEAN, "Is Owner Change Initiated"),
            _ro("IsStatusChangeInitiated", BOOLEAN, "Is Status Change Initiated"),
            _ro("TransferRequesterId", REFERENCE, "Transfer Requester ID", ref=["User"], rel="TransferRequester"),
        ], owner=True),
        _object("AgentWork", "Agent Work", "0Bz", [
            _ro("Name", STRING, "Name", auto=True, name_field=True, nillable=False),
            _f("ServiceChannelId", REFERENCE, "Service Channel ID", required=True, nillable=False, update=False,
               ref=["ServiceChannel"], rel="ServiceChannel"),
            _f("WorkItemId", REFERENCE, "Work Item ID", required=True, nillable=False, update=False,
               ref=["LiveChatTranscript", "MessagingSession"], rel="WorkItem"),
            _f("UserId", REFERENCE, "User ID", required=True, nillable=False, update=False, ref=["User"], rel="User"),
            _f("PendingServiceRoutingId", REFERENCE, "Pending Service Routing ID", update=False,
               ref=["PendingServiceRouting"], rel="PendingServiceRouting"),
            _f("CapacityWeight", DOUBLE, "Capacity Weight", update=False),
            _f("CapacityPercentage", PERCENT, "Capacity Percentage", update=False),
            _f("ShouldSkipCapacityCheck", BOOLEAN, "Should Skip Capacity Check", update=False),
            _f("BotId", STRING, "Bot ID", update=False),
            _f("BotType", STRING, "Bot Type", update=False),
            _f("ExternalBotId", STRING, "External Bot ID", update=False),
            _f("TransferRequesterId", REFERENCE, "Transfer Requester ID", update=False, ref=["User"],
               rel="TransferRequester"),
            _ro("Status", PICKLIST, "Status", nillable=False, picklist=AGENT_WORK_STATUSES, restricted=True),
            _ro("RequestDateTime", DATETIME, "Request Date Time"),
            _ro("AssignedDateTime", DATETIME, "Assigned Date Time"),
            _ro("AcceptDateTime", DATETIME, "Accept Date Time"),
            _ro("DeclineDateTime", DATETIME, "Decline Date Time"),
            _ro("CloseDateTime", DATETIME, "Close Date Time"),
            _ro("CancelDateTime", DATETIME, "Cancel Date Time"),
            _ro("PushTimeoutDateTime", DATETIME, "Push Timeout Date Time"),
            _ro("AbandonedDateTime", DATETIME, "Abandoned Date Time"),
            _ro("SpeedToAnswer", INT, "Speed to Answer"),
            _ro("HandleTime", INT, "Handle Time"),
            _ro("ActiveTime", INT, "Active Time"),
            _ro("AgentCapacityWhenDeclined", DOUBLE, "Agent Capacity When Declined"),
            _ro("DeclineReason", STRING, "Decline Reason", length=DECLINE_REASONS_MAX),
            _ro("PushTimeout", INT, "Push Timeout"),
            _ro("RoutingModel", PICKLIST, "Routing Model", picklist=ROUTING_MODELS, restricted=True),
            _ro("RoutingType", PICKLIST, "Routing Type", picklist=ROUTING_TYPES, restricted=True),
            _ro("RoutingPriority", INT, "Routing Priority"),
            _ro("SecondaryRoutingPriority", INT, "Secondary Routing Priority"),
            _ro("OriginalGroupId", REFERENCE, "Original Queue ID", ref=["Group"], rel="OriginalGroup"),
            _ro("OriginalQueueId", REFERENCE, "Original Queue ID (deprecated)", ref=["Group"], rel="OriginalQueue"),
            _ro("PreferredUserId", REFERENCE, "Preferred User ID", ref=["User"], rel="PreferredUser"),
            _ro("IsPreferredUserRequired", BOOLEAN, "Is Preferred User Required"),
            _ro("CapacityModel", PICKLIST, "Capacity Model", picklist=CAPACITY_MODELS, restricted=True),
            _ro("IsInterruptible", BOOLEAN, "Is Interruptible"),
        ], owner=True, plural="Agent Work"),
        _object("LiveChatVisitor", "Chat Visitor", "571", [
            _ro("Name", STRING, "Session Key", auto=True, name_field=True, nillable=False),
            _f("SessionKey", STRING, "Session Key", length=255),
        ], owner=True),
        _object("LiveChatTranscript", "Chat Transcript", "570", [
            _ro("Name", STRING, "Chat Transcript Name", auto=True, name_field=True, nillable=False),
            _f("LiveChatVisitorId", REFERENCE, "Chat Visitor ID", required=True, nillable=False,
               ref=["LiveChatVisitor"], rel="LiveChatVisitor"),
            _f("ChatKey", STRING, "Chat Key", lookup=True, length=255),
            _f("Status", PICKLIST, "Status", picklist=CHAT_STATUSES, restricted=True),
            _f("RequestTime", DATETIME, "Request Time"),
            _f("StartTime", DATETIME, "Start Time"),
            _f("EndTime", DATETIME, "End Time"),
            _f("EndedBy", PICKLIST, "Ended By", picklist=CHAT_ENDED_BY, restricted=True),
            _f("WaitTime", INT, "Wait Time"),
            _f("ChatDuration", INT, "Chat Duration"),
            _f("Abandoned", INT, "Abandoned After"),
            _f("Body", TEXTAREA, "Body"),
            _f("SupervisorTranscriptBody", TEXTAREA, "Supervisor Transcript Body"),
            _f("VisitorMessageCount", INT, "Visitor Message Count"),
            _f("OperatorMessageCount", INT, "Operator Message Count"),
            _f("IsChatbotSession", BOOLEAN, "Chatbot Session"),
            _f("VisitorNetwork", STRING, "Visitor Network"),
            _f("Location", STRING, "Location"),
            _f("Platform", STRING, "Platform"),
            _f("Browser", STRING, "Browser"),
            _f("SkillId", STRING, "Skill ID"),
            _f("CaseId", STRING, "Case ID"),
            _f("ContactId", STRING, "Contact ID"),
            _f("AccountId", STRING, "Account ID"),
            _f("LeadId", STRING, "Lead ID"),
        ], owner=True),
        *messaging_objects(),
        _object("PushTopic", "Push Topic", "0IF", [
            _f("Name", STRING, "Topic Name", required=True, nillable=False, name_field=True, unique=True, length=25),
            _f("Query", STRING, "SOQL Query", required=True, nillable=False, length=1300),
            _f("ApiVersion", DOUBLE, "API Version", required=True, nillable=False),
            _f("IsActive", BOOLEAN, "Is Active", default=True),
            _f("NotifyForFields", PICKLIST, "Notify For Fields", picklist=NOTIFY_FOR_FIELDS, restricted=True,
               default="Referenced"),
            _f("NotifyForOperationCreate", BOOLEAN, "Create", default=True),
            _f("NotifyForOperationUpdate", BOOLEAN, "Update", default=True),
            _f("NotifyForOperationDelete", BOOLEAN, "Delete", default=True),
            _f("NotifyForOperationUndelete", BOOLEAN, "Undelete", default=True),
            _f("Description", STRING, "Description", length=400),
        ]),
    ]
    schema = {o.name: o for o in objects}
    # AgentWork: no field can be updated over the API, the owner included (object reference).
    schema["AgentWork"].fields["OwnerId"].updateable = False
    for otype in schema.values():
        for f in otype.fields.values():
            f.createable = f.createable and otype.createable
            f.updateable = f.updateable and otype.updateable
    return schema


# -- Enhanced Chat objects, from the documented field data (contracts/salesforce/objects/messaging.json) ----------

MESSAGING_OBJECTS_PATH = contracts.ROOT / "salesforce" / "objects" / "messaging.json"
_DESCRIBE_TYPES = {"id": ID, "reference": REFERENCE, "boolean": BOOLEAN, "string": STRING, "datetime": DATETIME,
                   "picklist": PICKLIST, "int": INT, "double": DOUBLE, "url": URL, "textarea": TEXTAREA,
                   "date": DATE, "email": EMAIL, "phone": PHONE, "percent": PERCENT}
# The key prefixes the documentation leaves out. inferred: as orgs report them in GET /sobjects.
_MESSAGING_PREFIXES = {"MessagingSession": "0Mw", "MessagingEndUser": "0PA", "MessagingChannel": "0Mj"}
# Fields the platform fills (auto numbers, counters, formulas, view stamps): read-only where no Properties line
# was read (the documented ones, AgentMessageCount, ChannelName, ..., say so themselves). inferred.
_PLATFORM_SET = {"Name", "LastViewedDate", "LastReferencedDate", "EndUserMessageCount", "AgentMessageCount",
                 "ChannelEndUserFormula", "ChannelType", "ChannelName", "ChannelKey", "ChannelAddressIdentifier",
                 "IsFullyOptedIn", "AuthenticatedEndUserId"}
# inferred: where the Properties line was not read, a session keeps its channel, end user, conversation and
# origin once created (create-only), and an end user its channel and address.
_CREATE_ONLY = {("MessagingSession", "MessagingChannelId"), ("MessagingSession", "MessagingEndUserId"),
                ("MessagingSession", "ConversationId"), ("MessagingSession", "Origin"),
                ("MessagingSession", "EndTime")}  # EndTime: the Properties line lists Create only
# inferred: the picklists the platform drives are restricted (a bad value is refused, not stored).
_RESTRICTED = {"Status", "Origin", "AgentType", "ChannelType", "EndedByType", "MessageType", "PlatformType",
               "RoutingType", "MessagingConsentStatus", "ConsentType"}


@cache
def messaging_field_data() -> dict[str, dict[str, object]]:
    """The documented Enhanced Chat objects by name, as read from their field data file."""
    data = json.loads(MESSAGING_OBJECTS_PATH.read_text())
    return {o["name"]: o for o in data["objects"]}


def _messaging_field(sobject: str, doc: dict[str, Any]) -> Field:
    name = doc["name"]
    ftype = _DESCRIBE_TYPES[doc["type"]]
    if "createable" not in doc and name in _PLATFORM_SET:
        create = update = False
    else:
        create = doc.get("createable", True)
        update = doc.get("updateable", create and (sobject, name) not in _CREATE_ONLY)
    default = doc.get("defaultValue")
    nillable = doc.get("nillable", True)
    picklist = list(doc.get("picklistValues", []))
    return Field(name=name, label=doc.get("label") or _label(name), type=ftype, createable=create, updateable=update,
                 nillable=nillable if ftype != BOOLEAN else False,
                 required=create and not nillable and default is None and ftype != BOOLEAN,
                 picklist_values=picklist, restricted_picklist=bool(picklist) and name in _RESTRICTED,
                 reference_to=list(doc.get("referenceTo", [])), relationship_name=doc.get("relationshipName"),
                 default=default if default is not None else (False if ftype == BOOLEAN else None),
                 auto_number=name == "Name" and sobject == "MessagingSession",
                 unique=sobject == "MessagingChannel" and name == "DeveloperName",
                 id_lookup=sobject == "MessagingChannel" and name == "DeveloperName",
                 name_field=name == ("MasterLabel" if sobject == "MessagingChannel" else "Name"))


def messaging_objects() -> list[SObjectType]:
    """MessagingSession, MessagingEndUser and MessagingChannel with their documented fields, in describe order."""
    out = []
    system = {f.name: f for f in _system(owner=True)}
    for name, data in messaging_field_data().items():
        fields: dict[str, Field] = {}
        for doc in data["fields"]:
            # The system fields keep the fake's own definitions (identical to every other object).
            fields[doc["name"]] = system.get(doc["name"]) or _messaging_field(name, doc)
        label = " ".join(_label(name).split())
        out.append(SObjectType(name=name, label=label, key_prefix=_MESSAGING_PREFIXES[name], fields=fields,
                               label_plural=label + "s"))
    return out


def child_relationships(schema: dict[str, SObjectType], parent: str) -> list[dict[str, Any]]:
    """Describe's childRelationships for `parent`: every reference field of another object that points to it."""
    out = []
    for obj in schema.values():
        for f in obj.fields.values():
            if parent in f.reference_to:
                out.append({"cascadeDelete": False, "childSObject": obj.name, "deprecatedAndHidden": False,
                            "field": f.name, "junctionIdListNames": [], "junctionReferenceTo": [],
                            "relationshipName": None, "restrictedDelete": False})
    return out


def prefix_index(schema: dict[str, SObjectType]) -> dict[str, str]:
    """Key prefix -> sObject name."""
    return {o.key_prefix: o.name for o in schema.values()}
