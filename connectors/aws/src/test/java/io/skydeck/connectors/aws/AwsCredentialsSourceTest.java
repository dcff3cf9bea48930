package io.skydeck.connectors.aws;

import io.skydeck.connectors.spi.Region;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AwsCredentialsSourceTest {
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    @Test
    void keysComeFromTheNamedEnvironmentVariablesWithAnOptionalSessionToken() {
        var source = new AwsCredentialsSource.Environment("KEY", "SECRET", Optional.of("SESSION"));

        var credentials = source.provider(Map.of("KEY", "AKIDEXAMPLE", "SECRET", SECRET, "SESSION", "FwoGZXIvYXdzEXAMPLE")::get)
                .resolveCredentials();

        assertThat(credentials.accessKeyId()).isEqualTo("AKIDEXAMPLE");
        assertThat(credentials.secretAccessKey()).isEqualTo(SECRET);
        assertThat(credentials).isInstanceOfSatisfying(AwsSessionCredentials.class, session ->
                assertThat(session.sessionToken()).isEqualTo("FwoGZXIvYXdzEXAMPLE"));
    }

    @Test
    void aSecretFileInTheSharedCredentialsFormatIsReadAndReReadAfterRotation(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("aws-credentials");
        Files.writeString(file, "[default]\naws_access_key_id = AKIDOLD\naws_secret_access_key = " + SECRET + "\n");
        var provider = new AwsCredentialsSource.SecretFile(file).provider(name -> null);
        assertThat(provider.resolveCredentials().accessKeyId()).isEqualTo("AKIDOLD");

        Files.writeString(file, "aws_access_key_id=AKIDNEW\naws_secret_access_key=" + SECRET + "\n");

        assertThat(provider.resolveCredentials().accessKeyId()).isEqualTo("AKIDNEW");
    }

    @Test
    void noPrintedFormShowsTheSecret(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("aws-credentials");
        Files.writeString(file, "aws_access_key_id=AKIDEXAMPLE\naws_secret_access_key=" + SECRET + "\n");
        var source = new AwsCredentialsSource.SecretFile(file);
        var settings = AwsSettings.of("aws-prod", List.of(new Region("us-east-1", List.of("us-east-1a"))), source);

        try (var cloud = new AwsCloud(settings, name -> null, Ec2Peer.CLOCK)) {
            assertThat(List.of(source.toString(), source.provider(name -> null).toString(), settings.toString(), cloud.toString()))
                    .allSatisfy(printed -> assertThat(printed).doesNotContain(SECRET).doesNotContain("AKIDEXAMPLE"));
        }
    }

    @Test
    void missingKeysFailAtStartUpNamingThePlaceNotAValue() {
        var source = new AwsCredentialsSource.Environment("KEY", "SECRET", Optional.empty());
        var settings = AwsSettings.of("aws-prod", List.of(new Region("us-east-1", List.of())), source);

        assertThatThrownBy(() -> new AwsCloud(settings, Map.of("KEY", "AKIDEXAMPLE")::get, Ec2Peer.CLOCK))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("no AWS access key id and secret access key in environment variables KEY and SECRET");
    }
}
