"""The NixOS module system: a module's definitions (pushDownProperties), the effective
configuration of a set of modules (mergeDefinitions, priorities, mkIf, mkOrder), as
nixpkgs' lib/modules.nix computes them."""
