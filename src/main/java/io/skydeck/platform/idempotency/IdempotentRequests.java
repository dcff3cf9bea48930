package io.skydeck.platform.idempotency;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.skydeck.platform.appends.Appends;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.platform.security.Caller;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code Idempotency-Key} for creating POSTs.
 *
 * <p>The key's row is inserted in the same transaction as the thing the request creates, and
 * the response is stored in that transaction before it commits. A concurrent duplicate's
 * {@code INSERT ... ON CONFLICT DO NOTHING} waits on the first one's uncommitted row, then
 * finds the stored response and replays it: exactly one thing is created without polling,
 * and a crash leaves either both the thing and its key or neither. Failed requests roll back
 * with their key, so the client may retry them.
 */
@ApplicationScoped
public class IdempotentRequests {

    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED_HEADER = "Idempotency-Replayed";
    private static final List<String> STORED_HEADERS = List.of("Location", "ETag");

    @Inject
    EntityManager em;

    @Inject
    ObjectMapper json;

    @Inject
    Caller caller;

    @Inject
    Clock clock;

    @Inject
    Appends appends;

    @Inject
    TransactionSynchronizationRegistry transactions;

    /**
     * Runs {@code action} once per (caller, key); without a key it simply runs it. Called outside
     * a transaction, it begins one whose last round trip carries its COMMIT ({@link
     * Appends#transaction}): the action's queued rows and checks, the stored response and the
     * COMMIT go to PostgreSQL together. Inside a transaction, it is a part of that one.
     *
     * @param operation what is being done, e.g. "POST /v1/tenants" — part of the request's identity
     * @param request   the parsed body; its canonical JSON is the rest of the identity
     */
    public Response execute(String key, String operation, Object request, Supplier<Response> action) {
        if (key != null && (key.isBlank() || key.length() > 255)) {
            throw ProblemException.invalid(HEADER, "must be 1 to 255 characters");
        }
        if (transactions.getTransactionKey() == null) {
            return appends.transaction(() -> once(key, operation, request, action));
        }
        return once(key, operation, request, action);
    }

    private Response once(String key, String operation, Object request, Supplier<Response> action) {
        if (key == null) {
            return action.get();
        }
        String scope = scope();
        String hash = hash(operation, request);
        if (claim(scope, key, hash) == 0) {
            return replay(scope, key, hash);
        }
        Response response = action.get();
        // Queued: the response goes with the action's checks (a create's ledger and quota), before them — a refusal
        // rolls it back with the rest.
        Stored stored = stored(response);
        appends.add("UPDATE idempotency_record SET status = ?, headers = ?, body = ? WHERE scope = ? AND idem_key = ?",
                stored.status(), stored.headers(), stored.body(), scope, key);
        return response;
    }

    /**
     * As {@link #execute} called outside a transaction, for an action all of whose effects lie in
     * its transaction or are undone when it rolls back (a server's create: its rows, the address
     * the IPAM gives back, the engine's hold). The key is claimed by the transaction's last round
     * trip, first in it and with the response to store ({@code idempotency_claim}, V59), instead of
     * by a statement of its own at the start and an update at the end: one round trip and one
     * statement fewer. A duplicate does the work again and rolls it back: its claim waits for a
     * first request still in flight, as the claim at the start did, and finding the key taken
     * replays the stored response (or refuses a different body). A duplicate whose work fails
     * before it gets so far (the room its first took is full now) claims the key on its own to
     * learn whether it is taken — waiting for a first in flight the same way — and replays the
     * first's response if so; otherwise its own failure is the answer and the key stays free.
     */
    public Response executeClaimingAtCommit(String key, String operation, Object request, Supplier<Response> action) {
        if (key == null || transactions.getTransactionKey() != null) {
            return execute(key, operation, request, action);
        }
        if (key.isBlank() || key.length() > 255) {
            throw ProblemException.invalid(HEADER, "must be 1 to 255 characters");
        }
        String scope = scope();
        String hash = hash(operation, request);
        try {
            return appends.transaction(() -> {
                Response response = action.get();
                Stored stored = stored(response);
                appends.checkFirst(KEY_TAKEN, "SELECT idempotency_claim(?, ?, ?, ?, ?, ?, ?)", scope, key, hash,
                        OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC), stored.status(), stored.headers(), stored.body());
                return response;
            });
        } catch (KeyTaken taken) {
            return QuarkusTransaction.requiringNew().call(() -> replay(scope, key, hash));
        } catch (RuntimeException failed) {
            try {
                return QuarkusTransaction.requiringNew().call(() -> {
                    if (claim(scope, key, hash) == 1) {
                        // Claimed only to learn that no other request holds it: rolled back, the key stays free for a retry.
                        throw new KeyFree();
                    }
                    return replay(scope, key, hash);
                });
            } catch (KeyFree free) {
                throw failed;
            } catch (ProblemException answer) {
                // The key was taken with another body (422), or the look-up could not be made (503 busy): that is the answer.
                answer.addSuppressed(failed);
                throw answer;
            } catch (RuntimeException lookUp) {
                failed.addSuppressed(lookUp);
                throw failed;
            }
        }
    }

    /** {@code idempotency_claim} found the key taken (by a request that committed first). */
    private static final class KeyTaken extends RuntimeException {
        KeyTaken(String message) {
            super(message, null, false, false);
        }
    }

    /** A failed request's key was free: the transaction that claimed it to find out rolls back. */
    private static final class KeyFree extends RuntimeException {
        KeyFree() {
            super(null, null, false, false);
        }
    }

    private static final Appends.Refusal KEY_TAKEN = new Appends.Refusal("SKI02", error -> new KeyTaken(error.getMessage()));

    private String scope() {
        return caller.subject() + "|" + caller.tenantId().map(Object::toString).orElse("-");
    }

    /** Inserts the key's row unless it is there (after waiting for a transaction that holds it): 1 if inserted. */
    private int claim(String scope, String key, String hash) {
        return em.createNativeQuery("""
                        INSERT INTO idempotency_record (scope, idem_key, request_hash, created_at)
                        VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING""")
                .setParameter(1, scope).setParameter(2, key).setParameter(3, hash)
                .setParameter(4, OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC))
                .executeUpdate();
    }

    private Response replay(String scope, String key, String hash) {
        Object[] row = (Object[]) em.createNativeQuery(
                        "SELECT request_hash, status, headers, body FROM idempotency_record WHERE scope = ?1 AND idem_key = ?2")
                .setParameter(1, scope).setParameter(2, key)
                .getSingleResult();
        if (!hash.equals(row[0])) {
            throw new ProblemException(ProblemType.IDEMPOTENCY_KEY_REUSED,
                    "Idempotency-Key '" + key + "' was already used with a different request");
        }
        Response.ResponseBuilder replay = Response.status(((Number) row[1]).intValue())
                .header(REPLAYED_HEADER, "true");
        readHeaders((String) row[2]).forEach(replay::header);
        if (row[3] != null) {
            replay.entity(row[3]).type(MediaType.APPLICATION_JSON_TYPE);
        }
        return replay.build();
    }

    /** What is stored of a response: its status, the headers a replay repeats, its body. */
    private record Stored(int status, String headers, String body) {
    }

    private Stored stored(Response response) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : STORED_HEADERS) {
            Object value = response.getHeaders().getFirst(name);
            if (value != null) {
                headers.put(name, value.toString());
            }
        }
        return new Stored(response.getStatus(), write(headers), response.hasEntity() ? write(response.getEntity()) : null);
    }

    private String hash(String operation, Object request) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(operation.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
            sha.update(json.writeValueAsBytes(request));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException("cannot fingerprint the request", e);
        }
    }

    private String write(Object value) {
        try {
            return value instanceof String s ? s : json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot store the response", e);
        }
    }

    private Map<String, String> readHeaders(String text) {
        try {
            return text == null ? Map.of() : json.readValue(text, new TypeReference<Map<String, String>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored headers are unreadable", e);
        }
    }
}
