"""How to use an official SDK: PureCloudPlatformClientV2 against the served Genesys fake, unmodified but for its host
and CA. (It is urllib3-based, so `mock_platforms` cannot answer it: use the served fakes.)"""

import ssl

import pytest

sdk = pytest.importorskip("PureCloudPlatformClientV2")


def test_the_genesys_sdk_reads_users_and_sets_presence(omni_fakes, monkeypatch):
    monkeypatch.setattr(sdk.configuration, "host", omni_fakes.genesys_url)
    # The SDK's HTTP client trusts `configuration.ssl_context` (it ignores `ssl_ca_cert`): give it the fakes' CA.
    monkeypatch.setattr(sdk.configuration, "ssl_context", ssl.create_default_context(cafile=omni_fakes.verify))
    creds = omni_fakes.plan.credentials
    client = sdk.api_client.ApiClient().get_client_credentials_token(creds.genesys_client_id,
                                                                    creds.genesys_client_secret)
    users = sdk.UsersApi(client).get_users(page_size=25).entities
    assert sorted(u.email for u in users) == sorted(p.email for p in omni_fakes.people)

    on_queue = next(d for d in sdk.PresenceApi(client).get_presence_definitions().entities
                    if d.system_presence == "OnQueue")
    body = sdk.UserPresence()  # the SDK's models take no constructor arguments: set the attributes
    body.presence_definition = sdk.PresenceDefinition()
    body.presence_definition.id = on_queue.id
    sdk.PresenceApi(client).patch_user_presences_purecloud(users[0].id, body)
    assert sdk.UsersApi(client).get_user_routingstatus(users[0].id).status == "IDLE"
