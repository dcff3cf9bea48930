package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** One YAML file per controller state, under src/test/resources/fixtures. */
final class Fixtures {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private Fixtures() {
    }

    static <T extends HasMetadata> T load(String name, Class<T> type) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return SERIALIZATION.unmarshal(in, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
