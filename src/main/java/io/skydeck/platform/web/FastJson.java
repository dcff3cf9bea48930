package io.skydeck.platform.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * The API's JSON reads each property of a view through a generated lambda rather than a
 * reflective call: a page of 50 servers is about a thousand property reads, and reflection was
 * the largest single cost of writing it.
 */
@Singleton
public class FastJson implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.registerModule(new BlackbirdModule());
    }
}
