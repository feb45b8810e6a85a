"""How to play the customer: the `customer` fixture opens a chat in a Salesforce queue, writes, and leaves."""


def test_open_a_chat_write_and_leave(customer, wait_for):
    chat = customer.open_chat("Chat_Queue_1", text="Hello, my order has not arrived.")
    # Salesforce raises a routing request for the externally routed queue: what a connector picks up.
    routing = wait_for("sobject.change", entity="PendingServiceRouting", record__WorkItemId=chat.work_item_id)
    assert routing["data"]["record"]["RoutingModel"] == "ExternalRouting"

    customer.say("Order 1042.")
    assert [m["text"] for m in customer.transcript()["messages"]][-1] == "Order 1042."
    customer.leave()  # before any agent took it: Salesforce marks the chat Missed
    wait_for("sobject.change", entity="LiveChatTranscript", record__Status="Missed")
