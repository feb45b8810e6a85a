"""The Salesforce org's state and every rule, one module per platform object family (no HTTP here).

org.py the org (schema, records, identities), fake.py the org with its backends; records.py sObject CRUD and
query, sessions.py / credentials.py who holds a session, omni.py / presence.py / routing.py / console.py /
customers.py Omni-Channel, schema.py / fields.py / store.py / soql.py the data layer, seed.py the seeded org.
"""
