"""A whole customer chat against the fakes and the reference connector, with nothing but the plugin's fixtures."""


def test_a_customer_chat_picked_up_closed_and_wrapped_up(connector_process, agent, customer, wait_for):
    connector_process()  # the bundled reference connector, ready when both fakes saw it subscribe
    agent.go_on_queue()
    wait_for("console.presence", userId=agent.salesforce_user_id, statusDeveloperName="Online")
    chat = customer.open_chat()
    conversation = wait_for(agent.alerting_chat, "the chat alerting in the agent's client")
    agent.pick_up(conversation)
    wait_for("console.tab", action="opened", workItemId=chat.work_item_id, userId=agent.salesforce_user_id)
    customer.say("Where is my order?")
    agent.close(chat.work_item_id)  # the conversation tab, in the Salesforce console
    wait_for(lambda: agent.leg_state(conversation) == "disconnected", "the connector to disconnect the client")
    code = agent.wrap_up(conversation)  # the queue's first code, then Done
    wait_for("conversation.wrapup", code=code["id"])
    wait_for(lambda: agent.routing_status() == "IDLE", "the agent routable again")
