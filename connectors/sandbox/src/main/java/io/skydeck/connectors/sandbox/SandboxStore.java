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
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Reads and writes the sandbox's state as one JSON file. A write goes to a temporary file,
 * is forced to disk, and is then renamed over the old one, so a crash leaves either the old
 * state or the new one — never a torn file. A stray temporary file is ignored on load.
 */
final class SandboxStore {
    static final String STATE_FILE = "sandbox-state.json";
    private static final String TEMP_FILE = STATE_FILE + ".tmp";

    private final Path directory;
    private final ObjectMapper mapper = JsonMapper.builder()
            .addModule(new Jdk8Module())
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    SandboxStore(Path directory) {
        this.directory = directory;
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the sandbox state directory " + directory, e);
        }
    }

    SandboxState load() throws IOException {
        Path file = directory.resolve(STATE_FILE);
        if (!Files.exists(file)) {
            return new SandboxState();
        }
        return mapper.readValue(file.toFile(), SandboxState.class);
    }

    void save(SandboxState state) throws IOException {
        Path temp = directory.resolve(TEMP_FILE);
        byte[] json = mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(state);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(java.nio.ByteBuffer.wrap(json));
            channel.force(true);
        }
        Files.move(temp, directory.resolve(STATE_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * The canonical JSON of a request (properties and map keys sorted), to tell a true repeat of
     * a create from a token reused with another request — also across restarts.
     */
    String fingerprint(Object request) {
        try {
            return mapper.writeValueAsString(request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
