package io.skydeck.connectors.aws;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import io.skydeck.connectors.spi.Region;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

/**
 * The EC2 Query API as WireMock plays it, and an {@link AwsCloud} pointed at it. Every stub
 * demands what EC2 itself demands of a request — POST to "/", the action and API version as
 * form parameters, and a SigV4 Authorization header whose credential scope names our access
 * key, the region and the ec2 service — so a request the connector gets wrong finds no stub
 * and fails the test. Response bodies are the documented shapes of the EC2 API reference
 * ("Examples" of each action; errors as in "Error codes for the Amazon EC2 API").
 */
final class Ec2Peer {
    static final String ACCESS_KEY_ID = "AKIDSKYDECKEXAMPLE";
    static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSKYDECKKEY";
    static final String API_VERSION = "2016-11-15";
    static final String ELB_API_VERSION = "2015-12-01";
    static final Instant NOW = Instant.parse("2026-04-01T10:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    /** The pauses the retry policy asked for, instead of sleeping through them. */
    final List<Duration> pauses = new ArrayList<>();
    private final WireMockExtension wireMock;

    Ec2Peer(WireMockExtension wireMock) {
        this.wireMock = wireMock;
    }

    static String authorization(String region) {
        return "AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY_ID + "/\\d{8}/" + region
                + "/ec2/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}";
    }

    /** One region, us-east-1 with two zones; three attempts, full jitter pinned to its ceiling. */
    AwsCloud cloud() {
        return cloud(List.of(new Region("us-east-1", List.of("us-east-1a", "us-east-1b"))));
    }

    AwsCloud cloud(List<Region> regions) {
        return cloud(regions, Duration.ofSeconds(2));
    }

    AwsCloud cloud(List<Region> regions, Duration attemptTimeout) {
        var retry = new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(30),
                pauses::add, () -> 1.0);
        var settings = new AwsSettings("aws-test", regions,
                new AwsCredentialsSource.Environment("SKYDECK_AWS_KEY", "SKYDECK_AWS_SECRET", Optional.empty()),
                Optional.of(URI.create(wireMock.baseUrl())), Optional.of(URI.create(wireMock.baseUrl())),
                attemptTimeout.multipliedBy(4), attemptTimeout, retry);
        return new AwsCloud(settings, Map.of("SKYDECK_AWS_KEY", ACCESS_KEY_ID, "SKYDECK_AWS_SECRET", SECRET)::get, CLOCK);
    }

    /** A signed EC2 call of this action in us-east-1. */
    static MappingBuilder action(String action) {
        return action(action, "us-east-1");
    }

    static MappingBuilder action(String action, String region) {
        return post(urlPathEqualTo("/"))
                .withHeader("Authorization", matching(authorization(region)))
                .withHeader("Content-Type", matching("application/x-www-form-urlencoded.*"))
                .withFormParam("Action", equalTo(action))
                .withFormParam("Version", equalTo(API_VERSION));
    }

    /**
     * A signed Elastic Load Balancing (v2) call of this action in us-east-1: the same Query
     * protocol as EC2's, its own API version and the "elasticloadbalancing" signing scope.
     */
    static MappingBuilder elbAction(String action) {
        return post(urlPathEqualTo("/"))
                .withHeader("Authorization", matching("AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY_ID
                        + "/\\d{8}/us-east-1/elasticloadbalancing/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}"))
                .withHeader("Content-Type", matching("application/x-www-form-urlencoded.*"))
                .withFormParam("Action", equalTo(action))
                .withFormParam("Version", equalTo(ELB_API_VERSION));
    }

    /** A fixture of the ELBv2 API reference's examples, from {@code elbv2/}. */
    static ResponseDefinitionBuilder elbXml(String fixture) {
        return aResponse().withStatus(200).withHeader("Content-Type", "text/xml").withBody(resource("/elbv2/" + fixture));
    }

    /** ELBv2's error document ("Common Error Types"): an ErrorResponse, unlike EC2's Response/Errors. */
    static ResponseDefinitionBuilder elbError(int status, String code, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "text/xml").withBody(
                "<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\">\n  <Error>\n"
                        + "    <Type>Sender</Type>\n    <Code>" + code + "</Code>\n    <Message>" + message + "</Message>\n"
                        + "  </Error>\n  <RequestId>a7d4f2b2-8c3e-11e6-9e49-example</RequestId>\n</ErrorResponse>");
    }

    static RequestPatternBuilder sent(String action) {
        return postRequestedFor(urlPathEqualTo("/")).withFormParam("Action", equalTo(action));
    }

    static ResponseDefinitionBuilder xml(String fixture) {
        return aResponse().withStatus(200).withHeader("Content-Type", "text/xml;charset=UTF-8").withBody(fixture(fixture));
    }

    /** EC2's error document: the same for every action, with the code that decides our mapping. */
    static ResponseDefinitionBuilder error(int status, String code, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "text/xml;charset=UTF-8").withBody(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" + code + "</Code><Message>"
                        + message + "</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>");
    }

    static String fixture(String name) {
        return resource("/ec2/" + name);
    }

    static String resource(String path) {
        try (InputStream in = Ec2Peer.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int count(String action) {
        return wireMock.findAll(sent(action)).size();
    }

    static MappingBuilder withForm(MappingBuilder stub, Map<String, String> form) {
        form.forEach((name, value) -> stub.withFormParam(name, WireMock.equalTo(value)));
        return stub;
    }
}
