FROM ruby:3.3.4-slim-bookworm AS build
RUN apt-get update -qq && apt-get install --no-install-recommends -y build-essential=12.9 libpq-dev=15.7-0+deb12u1 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /rails
COPY Gemfile Gemfile.lock ./
RUN bundle install && rm -rf ~/.bundle/ /usr/local/bundle/cache
COPY . .
RUN bundle exec bootsnap precompile app/ lib/

# expect: MOAT-628
FROM ruby:3.3.4-slim-bookworm
RUN apt-get update -qq && apt-get install --no-install-recommends -y libpq5=15.7-0+deb12u1 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /rails
COPY --from=build /usr/local/bundle /usr/local/bundle
COPY --from=build /rails /rails
RUN useradd rails --create-home --shell /bin/bash && chown -R rails:rails db log storage tmp
USER 1000:1000
LABEL org.opencontainers.image.source="https://github.com/example/shop"
EXPOSE 3000
CMD ["./bin/rails", "server"]
