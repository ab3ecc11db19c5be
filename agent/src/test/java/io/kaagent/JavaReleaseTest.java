package io.kaagent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The feature release decides which start-up path the agent takes (jdk.net timing, how the bridge is defined). */
class JavaReleaseTest {

    @ParameterizedTest
    @CsvSource({"1.8, 8", "9, 9", "11, 11", "17, 17", "25, 25", "26.1, 26", "x, 0", "'', 0"})
    void readsTheFeatureRelease(String specificationVersion, int feature) {
        assertEquals(feature, JavaRelease.feature(specificationVersion));
    }

    @Test
    void nullIsUnknown() {
        assertEquals(0, JavaRelease.feature(null));
    }

    @Test
    void thisJvmsReleaseIsTheRuntimes() {
        assertEquals(Runtime.version().feature(), JavaRelease.current());
    }
}
