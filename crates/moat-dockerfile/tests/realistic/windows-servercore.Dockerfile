# escape=`
# expect: MOAT-628
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
RUN Invoke-WebRequest -Uri https://example.com/app.zip -OutFile C:\app.zip; `
    Expand-Archive C:\app.zip -DestinationPath C:\app; `
    Remove-Item C:\app.zip
WORKDIR C:\app
USER ContainerUser
LABEL org.opencontainers.image.source="https://example.com/winapp"
ENTRYPOINT ["C:\\app\\app.exe"]
