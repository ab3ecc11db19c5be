package io.kaagent.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KeepAliveSettingsTest {

    @Test
    void printsLikeThePolicyFile() {
        assertEquals("idle=30s intvl=5s cnt=3 user_timeout=off enforce=true",
                new KeepAliveSettings(30, 5, 3, 0, true).toString());
        assertEquals("idle=30s intvl=5s cnt=3 user_timeout=45000ms enforce=false",
                new KeepAliveSettings(30, 5, 3, 45000, false).toString());
    }

    @Test
    void equalityCoversEveryValue() {
        KeepAliveSettings base = new KeepAliveSettings(30, 5, 3, 0, true);
        assertEquals(base, new KeepAliveSettings(30, 5, 3, 0, true));
        assertEquals(base.hashCode(), new KeepAliveSettings(30, 5, 3, 0, true).hashCode());
        assertNotEquals(base, new KeepAliveSettings(31, 5, 3, 0, true));
        assertNotEquals(base, new KeepAliveSettings(30, 6, 3, 0, true));
        assertNotEquals(base, new KeepAliveSettings(30, 5, 4, 0, true));
        assertNotEquals(base, new KeepAliveSettings(30, 5, 3, 1, true));
        assertNotEquals(base, new KeepAliveSettings(30, 5, 3, 0, false));
    }

    @ParameterizedTest(name = "idle={0} intvl={1} cnt={2} user_timeout={3}ms is refused")
    @CsvSource({"0, 5, 3, 0", "32768, 5, 3, 0", "30, 0, 3, 0", "30, 32768, 3, 0", "30, 5, 0, 0", "30, 5, 128, 0",
            "30, 5, 3, -1", "30, 5, 3, 86400001"})
    void refusesValuesTheKernelWouldReject(int idle, int intvl, int cnt, int userTimeout) {
        assertThrows(IllegalArgumentException.class, () -> new KeepAliveSettings(idle, intvl, cnt, userTimeout, true));
    }
}
