"""RubyGems: reading a `.gem`, Ruby's Marshal, and the indexes gem and Bundler read."""
