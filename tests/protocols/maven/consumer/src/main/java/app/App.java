package app;

import com.example.hello.Hello;

public final class App {
    private App() {}

    public static void main(String[] args) {
        Hello.@@CALL@@();
        System.out.println(Hello.greeting());
    }
}
