Feature: Presence
  Setting On Queue in the Genesys Cloud client automatically updates the Omni-Channel status in Salesforce
  (seed article, step 1).

  @PRES-1 @core
  Scenario: Going On Queue in the client sets Omni-Channel Online
    Given Alice is logged out of Omni-Channel in Salesforce
    When Alice sets her status to On Queue in the client
    Then the client shows her On Queue and ready for interactions
    And Omni-Channel shows her Online in Salesforce

  @PRES-1 @core
  Scenario: Going On Queue from Away in the client sets Omni-Channel Online
    Given Alice is Away in the client and in Omni-Channel
    When she sets her status to On Queue in the client
    Then the client shows her On Queue and ready for interactions
    And Omni-Channel shows her Online in Salesforce

  @PRES-2 @extended
  Scenario: Leaving On Queue in the client takes her out of Online
    Given Alice is On Queue in the client
    When she sets her status to Available in the client
    Then Omni-Channel no longer shows her Online in Salesforce
