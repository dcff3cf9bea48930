package io.skydeck.connectors.aws;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;

/**
 * Where the access key id and secret come from. Only the <em>place</em> is configuration —
 * variable names or a file path — so this value can be printed, stored and compared; the
 * secret itself is read when a request is signed and lives nowhere else.
 */
public sealed interface AwsCredentialsSource {

    /** Builds the SDK's provider; {@code environment} is {@code System::getenv} outside tests. */
    AwsCredentialsProvider provider(Function<String, String> environment);

    /** The conventional variables AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. */
    static AwsCredentialsSource standardEnvironment() {
        return new Environment("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", Optional.of("AWS_SESSION_TOKEN"));
    }

    /**
     * Environment variables with these names. A session token variable that is unset or empty
     * means long-term keys.
     */
    record Environment(String accessKeyIdVariable, String secretAccessKeyVariable,
                       Optional<String> sessionTokenVariable) implements AwsCredentialsSource {
        public Environment {
            Objects.requireNonNull(accessKeyIdVariable, "accessKeyIdVariable");
            Objects.requireNonNull(secretAccessKeyVariable, "secretAccessKeyVariable");
            Objects.requireNonNull(sessionTokenVariable, "sessionTokenVariable");
        }

        @Override
        public AwsCredentialsProvider provider(Function<String, String> environment) {
            return new SourcedCredentials(this, () -> credentials(
                    environment.apply(accessKeyIdVariable),
                    environment.apply(secretAccessKeyVariable),
                    sessionTokenVariable.map(environment).orElse(null),
                    "environment variables " + accessKeyIdVariable + " and " + secretAccessKeyVariable));
        }
    }

    /**
     * A mounted secret file (a Kubernetes Secret, a Docker secret) in the key=value form of the
     * AWS shared credentials file: {@code aws_access_key_id}, {@code aws_secret_access_key} and
     * optionally {@code aws_session_token}. A {@code [profile]} header line is tolerated and
     * ignored, so a one-profile {@code ~/.aws/credentials} works as is. The file is re-read on
     * every signature, so a rotated secret is picked up without a restart.
     */
    record SecretFile(Path path) implements AwsCredentialsSource {
        public SecretFile {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public AwsCredentialsProvider provider(Function<String, String> environment) {
            return new SourcedCredentials(this, () -> {
                var entries = new Properties();
                try (Reader reader = Files.newBufferedReader(path)) {
                    entries.load(reader);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read the AWS secret file " + path, e);
                }
                return credentials(entries.getProperty("aws_access_key_id"), entries.getProperty("aws_secret_access_key"),
                        entries.getProperty("aws_session_token"), "the secret file " + path);
            });
        }
    }

    private static AwsCredentials credentials(String accessKeyId, String secret, String sessionToken, String where) {
        if (accessKeyId == null || accessKeyId.isBlank() || secret == null || secret.isBlank()) {
            // Names the place, never a value: this message ends up in logs and problem details.
            throw new IllegalStateException("no AWS access key id and secret access key in " + where);
        }
        return sessionToken == null || sessionToken.isBlank()
                ? AwsBasicCredentials.create(accessKeyId.strip(), secret.strip())
                : AwsSessionCredentials.create(accessKeyId.strip(), secret.strip(), sessionToken.strip());
    }

    /** The SDK-facing provider; its toString names the source and nothing read from it. */
    final class SourcedCredentials implements AwsCredentialsProvider {
        private final AwsCredentialsSource source;
        private final java.util.function.Supplier<AwsCredentials> read;

        private SourcedCredentials(AwsCredentialsSource source, java.util.function.Supplier<AwsCredentials> read) {
            this.source = source;
            this.read = read;
        }

        @Override
        public AwsCredentials resolveCredentials() {
            return read.get();
        }

        @Override
        public String toString() {
            return "credentials from " + source;
        }
    }
}
