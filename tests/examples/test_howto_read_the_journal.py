"""How to read the journal: every request with its response, and every state change, in one ordered feed."""


def test_requests_and_state_changes(omni_fakes, agent, wait_for):
    agent.set_omni_status("Online")

    # The console bridge call as the fake saw it: method, path, status, both bodies, and who made it.
    (call,) = omni_fakes.requests(source="salesforce", path="/omni-toolkit/v1/users/", method="POST")
    assert call["data"]["status"] == 200 and call["data"]["path"].endswith("/setServicePresenceStatus")

    # The state change it caused, waited for on the event feed (a long-poll, no sleep).
    change = wait_for("console.presence", userId=agent.salesforce_user_id)
    assert change["data"]["statusDeveloperName"] == "Online"
    assert [e["seq"] for e in omni_fakes.events(type="console.presence")] == [change["seq"]]
    # Everything, in order: `omni_fakes.journal()`; the same over HTTP: GET /_fake/journal?since=SEQ.
    assert call["seq"] in [e["seq"] for e in omni_fakes.journal()]
