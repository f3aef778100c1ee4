package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/**
 * Latency is refreshed only when reachability changes or the latency more than doubles or halves
 * (and by over 5 ms), so that a steady Redis does not cause a status write every probe.
 */
// Unknown fields are ignored so an older operator can read a newer one's status.
@JsonIgnoreProperties(ignoreUnknown = true)
public record CacheConfigStatus(
    @JsonPropertyDescription("The metadata.generation this status describes.")
        Long observedGeneration,
    @JsonPropertyDescription("Ready, Progressing and Degraded, in the metav1.Condition shape.")
        @SchemaFrom(type = ConditionSchema[].class)
        List<Condition> conditions,
    @JsonPropertyDescription("Whether Redis answered PING.") Boolean reachable,
    @JsonPropertyDescription("PING round trip in milliseconds when last reported.")
        Long latencyMillis,
    @JsonPropertyDescription("When the reported result was observed (RFC 3339).")
        String checkedAt) {}
