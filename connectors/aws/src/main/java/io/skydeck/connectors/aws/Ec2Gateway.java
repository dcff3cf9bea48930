package io.skydeck.connectors.aws;

import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.ec2.Ec2Client;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Every EC2 call of this connector goes through here: one SDK client per configured region,
 * errors converted to the SPI's, and {@link RetryPolicy} applied. The SDK's own retries are
 * off, so that exactly one policy — documented, tested — decides.
 *
 * <p>The SPI names resources by id alone, but EC2 ids are regional; {@link #locate} finds an
 * id's region by asking each region in turn and remembers the answer.
 */
final class Ec2Gateway implements AutoCloseable {

    /** What a call is, for error messages and retry decisions. */
    record Call(String action, boolean safeToRepeat, Map<ResourceType, String> named) {
        static Call read(String action, Map<ResourceType, String> named) {
            return new Call(action, true, named);
        }

        /** A mutation EC2 makes idempotent itself (ClientToken, terminate, start, stop …). */
        static Call idempotent(String action, Map<ResourceType, String> named) {
            return new Call(action, true, named);
        }

        /** A mutation that may act twice if repeated after an unknown outcome (CreateVpc …). */
        static Call once(String action, Map<ResourceType, String> named) {
            return new Call(action, false, named);
        }
    }

    private final String provider;
    private final Map<String, Ec2Client> clients = new LinkedHashMap<>();
    private final SdkHttpClient http;
    private final RetryPolicy retryPolicy;
    private final Clock clock;
    private final Map<String, String> regionById = new ConcurrentHashMap<>();

    Ec2Gateway(AwsSettings settings, AwsCredentialsProvider credentials, Clock clock) {
        this.provider = settings.name();
        this.retryPolicy = settings.retryPolicy();
        this.clock = clock;
        this.http = SdkClients.httpClient(settings);
        for (var region : settings.regions()) {
            clients.put(region.id(), SdkClients.build(Ec2Client.builder(), region.id(), settings, credentials, http, settings.endpointOverride()));
        }
    }

    String provider() {
        return provider;
    }

    Clock clock() {
        return clock;
    }

    List<String> regions() {
        return List.copyOf(clients.keySet());
    }

    /** Runs one EC2 call in a region, retrying as the policy allows. */
    <T> T call(String region, Call call, Function<Ec2Client, T> request) {
        Ec2Client client = clients.get(region);
        if (client == null) {
            throw new ResourceNotFound(provider, ResourceType.REGION, region,
                    "region " + region + " is not configured for provider " + provider);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return request.apply(client);
            } catch (SdkException error) {
                ProviderException converted = Ec2ErrorToProviderException.convert(provider, error, call.named());
                // An error answer from EC2 means it did not act; anything else leaves the outcome open.
                boolean safeToRepeat = call.safeToRepeat() || error instanceof AwsServiceException;
                var pause = retryPolicy.pauseAfter(attempt, converted,
                        Ec2ErrorToProviderException.retryAfter(error, clock), safeToRepeat);
                if (pause.isEmpty() || !retryPolicy.pause(pause.get())) {
                    throw converted;
                }
            }
        }
    }

    /** The same call, once per configured region, results in region order. */
    <T> List<T> callEveryRegion(Call call, BiFunction<String, Ec2Client, List<T>> request) {
        var all = new ArrayList<T>();
        for (String region : clients.keySet()) {
            all.addAll(call(region, call, client -> request.apply(region, client)));
        }
        return all;
    }

    /**
     * Finds a resource by id in whichever region has it: first where it was last seen, then
     * everywhere else. {@code describe} answers empty for "not in this region".
     */
    <T> Optional<Located<T>> locate(String id, BiFunction<String, Ec2Client, Optional<T>> describe, Call call) {
        var order = new ArrayList<String>();
        String known = regionById.get(id);
        if (known != null) {
            order.add(known);
        }
        clients.keySet().stream().filter(region -> !region.equals(known)).forEach(order::add);
        for (String region : order) {
            Optional<T> found;
            try {
                found = call(region, call, client -> describe.apply(region, client));
            } catch (ResourceNotFound notHere) {
                found = Optional.empty();
            }
            if (found.isPresent()) {
                regionById.put(id, region);
                return Optional.of(new Located<>(region, found.get()));
            }
        }
        return Optional.empty();
    }

    /**
     * The region an id lives in, for a call that names it. With one region configured there is
     * nothing to ask; otherwise as {@link #locate}.
     */
    <T> String regionOf(String id, BiFunction<String, Ec2Client, Optional<T>> describe, Call call,
                        Supplier<ResourceNotFound> missing) {
        if (clients.size() == 1) {
            return clients.keySet().iterator().next();
        }
        return locate(id, describe, call).orElseThrow(missing).region();
    }

    /** A Describe* by id answers an error for a missing id; here that is simply "absent". */
    static <T> Optional<T> unlessMissing(Supplier<Optional<T>> describe) {
        try {
            return describe.get();
        } catch (AwsServiceException error) {
            var details = error.awsErrorDetails();
            if (details != null && details.errorCode() != null && details.errorCode().endsWith(".NotFound")) {
                return Optional.empty();
            }
            throw error;
        }
    }

    /** Remembers where an id lives, so the next {@link #locate} asks one region. */
    void remember(String id, String region) {
        regionById.put(id, region);
    }

    record Located<T>(String region, T value) {
    }

    @Override
    public void close() {
        clients.values().forEach(Ec2Client::close);
        http.close();
    }
}
