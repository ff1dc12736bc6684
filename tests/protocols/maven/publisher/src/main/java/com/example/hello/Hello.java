package com.example.hello;

/** What a consumer compiles against; each build names itself in a method of its own. */
public final class Hello {
    private Hello() {}

    public static String greeting() {
        return "hello from @@MARK@@";
    }

    /** Exists in this build only: a consumer that calls it compiles against this build. */
    public static void @@MARK@@() {}
}
