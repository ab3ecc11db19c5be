package io.kaagent.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostGlobTest {

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource({
            "db.example.com, db.example.com, true",
            "db.example.com, DB.Example.COM, true",
            "DB.example.com, db.example.com, true",
            "db.example.com, db.example.co, false",
            "db.example.com, xdb.example.com, false",
            "*.db.internal, pg.db.internal, true",
            "*.db.internal, a.b.db.internal, true",
            "*.db.internal, .db.internal, true",
            "*.db.internal, db.internal, false",
            "*.db.internal, pg.db.internal.evil.com, false",
            "db-?.example.com, db-1.example.com, true",
            "db-?.example.com, db-12.example.com, false",
            "db-?.example.com, db-.example.com, false",
            "api-*, api-eu-1, true",
            "api-*, api-, true",
            "api-*, xapi-1, false",
            "*, anything.at.all, true",
            "*, '', true",
            "*db*, mydbserver, true",
            "a*b*c, aXXbYYc, true",
            "a*b*c, aXXbYY, false",
            "*.*.example.com, a.b.example.com, true",
            "**.example.com, x.example.com, true",
            "10.0.*, 10.0.3.4, true",
            "10.0.*, 10.1.3.4, false",
            "::1, ::1, true",
            "fd00::*, fd00::12, true",
            "db_1.local, DB_1.LOCAL, true",
    })
    void matchesCaseInsensitively(String pattern, String host, boolean matches) throws InvalidValueException {
        assertEquals(matches, HostGlob.parse(pattern).matches(host));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "''|\"\" is not a valid host glob: it is empty",
            "db/1|\"db/1\" is not a valid host glob: '/' is not allowed; use letters, digits, '-', '.', '_', ':' and "
                    + "the wildcards * and ?",
            "10.0.0.0/8|\"10.0.0.0/8\" is not a valid host glob: it is an address block; put it under cidr:",
            "a b|\"a b\" is not a valid host glob: whitespace is not allowed; use letters, digits, '-', '.', '_', "
                    + "':' and the wildcards * and ?",
            "db[1-3].x|\"db[1-3].x\" is not a valid host glob: '[' is not allowed; use letters, digits, '-', '.', "
                    + "'_', ':' and the wildcards * and ?",
            "{a,b}.x|\"{a,b}.x\" is not a valid host glob: '{' is not allowed; use letters, digits, '-', '.', '_', "
                    + "':' and the wildcards * and ?",
            "http://x|\"http://x\" is not a valid host glob: '/' is not allowed; use letters, digits, '-', '.', '_', "
                    + "':' and the wildcards * and ?",
    })
    void refusesBadGlobs(String pattern, String message) {
        assertEquals(message, assertThrows(InvalidValueException.class, () -> HostGlob.parse(pattern)).getMessage());
    }

    @org.junit.jupiter.api.Test
    void refusesOverlongGlobs() {
        String pattern = "a".repeat(256);
        assertEquals("\"" + pattern + "\" is not a valid host glob: it is longer than 255 characters",
                assertThrows(InvalidValueException.class, () -> HostGlob.parse(pattern)).getMessage());
    }

    @ParameterizedTest(name = "{0}: literal={1} suffix={2} prefix={3} head={4} tail={5}")
    @CsvSource({
            "db.example.com, true, false, false, db.example.com, db.example.com",
            "*.example.com, false, true, false, '', .example.com",
            "*, false, true, true, '', ''",
            "api-*, false, false, true, api-, ''",
            "db-?.x, false, false, false, db-, .x",
            "*.a*, false, false, false, '', ''",
            "pg-1-?.example.com, false, false, false, pg-1-, .example.com",
            "a*b?c, false, false, false, a, c",
    })
    void describesItsShapeForTheIndex(String pattern, boolean literal, boolean suffix, boolean prefix, String head,
                                      String tail) throws InvalidValueException {
        HostGlob glob = HostGlob.parse(pattern);
        assertEquals(literal, glob.isLiteral());
        assertEquals(suffix, glob.isSuffix());
        assertEquals(prefix, glob.isPrefix());
        assertEquals(head, glob.head());
        assertEquals(tail, glob.tail());
    }
}
