package io.skydeck.connectors.sandbox;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The sandbox's one JSON dialect: its state document, journal lines, request fingerprints and
 * topology files.
 * Properties and map keys are sorted, so the same state always gives the same bytes.
 */
final class SandboxJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new Jdk8Module())
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private SandboxJson() {
    }

    static byte[] write(SandboxState state) {
        try {
            // Compact: a shared store rewrites the document on every mutation, and indenting it was a third of that.
            return MAPPER.writeValueAsBytes(state);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sandbox state", e);
        }
    }

    /** The state in {@code document}, with nothing marked changed. */
    static SandboxState read(byte[] document) {
        try {
            SandboxState state = MAPPER.readValue(document, SandboxState.class);
            state.changesSaved();
            return state;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sandbox state", e);
        }
    }

    /** One journal line, without its line break: JSON never holds a raw one. */
    static byte[] writeChanges(SandboxChanges changes) {
        try {
            return MAPPER.writeValueAsBytes(changes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sandbox's changes", e);
        }
    }

    static SandboxChanges readChanges(byte[] line, int offset, int length) throws IOException {
        return MAPPER.readValue(line, offset, length, SandboxChanges.class);
    }

    /**
     * The canonical JSON of a request (properties and map keys sorted), to tell a true repeat of
     * a create from a token reused with another request — also across restarts.
     */
    static String fingerprint(Object request) {
        try {
            return MAPPER.writeValueAsString(request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SandboxTopology readTopology(Path file) throws IOException {
        return MAPPER.readValue(file.toFile(), SandboxTopology.class);
    }
}
