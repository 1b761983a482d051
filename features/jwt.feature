@jwt
Feature: Tokens are signed JWTs that anyone can verify
  Domino signs tokens with RS256 and publishes its public keys the way Keycloak does, so
  other systems can verify a token without credentials. Domino itself accepts only tokens
  it signed, unaltered.

  Scenario: The key set is published without credentials
    When an unauthenticated caller fetches the realm's key set
    Then the key set holds an RS256 signing key with a key id

  Scenario: The realm's public key is published without credentials
    When an unauthenticated caller fetches the realm
    Then the realm is "DominoRealm" with a public key

  Scenario: OpenID discovery points at the key set
    When an unauthenticated caller fetches the OpenID configuration
    Then the configuration names the realm as issuer and the key set as jwks_uri

  Scenario: The version is published without credentials
    When an unauthenticated caller asks for the version
    Then the version is at least "4.1.0", with its build and commit ids

  @admin
  Scenario: A token verifies against the published key set
    Given a service account "ci-bot" with a token "deploy"
    Then the token "deploy" is signed with RS256 by a key in the key set
    And the token "deploy" also verifies with the realm's public key

  @admin
  Scenario: A token's claims name the service account, its expiry and the issuer
    Given a service account "ci-bot" with a token "deploy"
    Then the token "deploy" names "ci-bot" as its subject
    And the token "deploy" expires when its description says
    And the token "deploy" was issued by the realm named in the OpenID configuration
    And the token "deploy" carries the username and email of "ci-bot"

  @admin
  Scenario: A token names Domino's issuer URL
    Given a service account "ci-bot" with a token "deploy"
    Then the token "deploy" was issued by the realm at Domino's external URL

  # inferred: azp is "domino-play"; the name claim is the account's full name as GET /v4/users gives it
  @admin @inferred
  Scenario: A token names its Keycloak client and the account's full name
    Given a service account "ci-bot" with a token "deploy"
    Then the token "deploy" was issued to the Keycloak client "domino-play"
    And the token "deploy" carries the full name that Domino gives "ci-bot"

  @admin
  Scenario Outline: A forged token is refused
    Given a service account "ci-bot" with a token "deploy"
    When the token "deploy" is forged by <forgery>
    Then the forged token is rejected as unauthenticated
    And the token "deploy" authenticates as "ci-bot"

    Examples:
      | forgery                                            |
      | changing one character of its payload              |
      | changing one character of its signature            |
      | setting its algorithm to none without a signature  |
      | signing it with HS256 using the realm's public key |
      | signing it with another RSA key under the same kid |
      | extending its expiry without signing it again      |

  Scenario: A bearer credential that is not a JWT is refused
    When a caller with a bearer credential "not-a-jwt" asks who they are
    Then the call is rejected as unauthenticated

  Scenario: An unknown API key is refused
    When a caller with an API key "no-such-key" asks who they are
    Then the call is rejected as unauthenticated
