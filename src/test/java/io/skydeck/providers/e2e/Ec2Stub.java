package io.skydeck.providers.e2e;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

/**
 * EC2's Query API played by WireMock on a free port, with the fixtures of the AWS connector's
 * tests (EC2 API reference shapes), and the configuration that points an "aws-test" provider at
 * it. Every stub demands a SigV4 signature made with the test key for us-east-1, so a request
 * signed wrongly, or with other credentials, finds no stub.
 */
public class Ec2Stub implements QuarkusTestResourceLifecycleManager {
    static final String ACCESS_KEY_ID = "AKIDSKYDECKE2EEXAMPLE";
    static final String SECRET = "e2e/Secret+AccessKey/never-in-any-answer";
    static final String SIGNED = "AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY_ID
            + "/\\d{8}/us-east-1/ec2/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}";

    static WireMockServer server;
    static Path credentialsFile;

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
        // Placement reads the instance types at start-up, before any test runs.
        server.stubFor(action("DescribeInstanceTypes").withFormParam("NextToken", absent())
                .willReturn(xml("describe-instance-types-page1.xml")));
        server.stubFor(action("DescribeInstanceTypes").withFormParam("NextToken", equalTo("AAEAAQ-page-2"))
                .willReturn(xml("describe-instance-types-page2.xml")));
        try {
            credentialsFile = Files.createTempFile("skydeck-aws-e2e", ".credentials");
            Files.writeString(credentialsFile, "[default]\naws_access_key_id=" + ACCESS_KEY_ID
                    + "\naws_secret_access_key=" + SECRET + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String p = "skydeck.providers.aws.\"aws-test\".";
        return Map.of(
                p + "regions", "us-east-1",
                p + "zones.\"us-east-1\"", "us-east-1a,us-east-1b",
                p + "credentials-file", credentialsFile.toString(),
                p + "endpoint-override", "http://127.0.0.1:" + server.port(),
                p + "timeout", "5s",
                p + "max-vcpus", "16",
                p + "flavor-prices.\"t3.micro\"", "0.0104",
                p + "vcpu-hour-price", "0.05");
    }

    @Override
    public void stop() {
        server.findAllUnmatchedRequests().forEach(r ->
                System.err.println("EC2 stub, unmatched: " + r.getMethod() + " " + r.getUrl() + " " + r.getBodyAsString()));
        server.stop();
        try {
            Files.deleteIfExists(credentialsFile);
        } catch (IOException ignored) {
            // a temp file
        }
    }

    /** A signed call of this action in us-east-1, the way EC2 requires it. */
    static MappingBuilder action(String action) {
        return post(urlPathEqualTo("/"))
                .withHeader("Authorization", matching(SIGNED))
                .withHeader("Content-Type", matching("application/x-www-form-urlencoded.*"))
                .withFormParam("Action", equalTo(action))
                .withFormParam("Version", equalTo("2016-11-15"));
    }

    static ResponseDefinitionBuilder xml(String fixture) {
        return xmlBody(fixture(fixture));
    }

    static ResponseDefinitionBuilder xmlBody(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "text/xml;charset=UTF-8").withBody(body);
    }

    static ResponseDefinitionBuilder error(int status, String code, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "text/xml;charset=UTF-8").withBody(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" + code + "</Code><Message>"
                        + message + "</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>");
    }

    static String fixture(String name) {
        try (InputStream in = Ec2Stub.class.getResourceAsStream("/ec2/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
