"""Systems: what a repository builds (each nixosSystem / evalModules run, with its modules,
architecture and special arguments), found statically, and the project that evaluates them."""
