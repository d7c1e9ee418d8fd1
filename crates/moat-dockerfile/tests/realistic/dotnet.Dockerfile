FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /src
COPY *.csproj .
RUN dotnet restore
COPY . .
RUN dotnet publish -c Release -o /app --no-restore

# expect: MOAT-628
FROM mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled
LABEL org.opencontainers.image.source="https://github.com/example/catalog"
WORKDIR /app
COPY --from=build /app .
USER $APP_UID
ENTRYPOINT ["./Catalog"]
